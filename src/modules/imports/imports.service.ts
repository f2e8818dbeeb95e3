import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { assert } from '../../lib/assert.js';
import { DomainError, invalidField, notFound } from '../../lib/errors.js';
import { newId, newTimeOrderedId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import type { CardSchedule } from '../../policies/cards_v1.js';
import { AMOUNT_MAX_CENTS, OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../policies/ledger_v1.js';
import { findUserAccount } from '../accounts/accounts.repository.js';
import { insertInstallments, schedulesOf } from '../cards/cards.repository.js';
import { installmentNumbersOf, installmentPurchasesOf } from '../cards/cards-import.repository.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import {
  type AccountRow,
  BATCH_POSTINGS_MAX,
  type EntryPosting,
  findInternalAccountId,
  lockAndLoadAccounts,
  type Posted,
  postBatch,
  type ReversalPosting,
  sourceOf,
} from '../ledger/index.js';
import { findDuplicates } from './duplicates.js';
import { guessCategories } from './guess.js';
import type { ImportLineRow, ImportRow } from './imports.repository.js';
import * as repository from './imports.repository.js';
import type {
  ConfirmInput,
  CreateRuleInput,
  ImportListInput,
  ImportPreviewResponse,
  ImportRuleResponse,
  ImportSummaryResponse,
} from './imports.schemas.js';
import { FILE_NAME_LENGTH_MAX, RULES_PER_USER_MAX } from './imports.schemas.js';
import { type CardChoice, type CardLine, type CardPlan, cardInstallment, planCardLines } from './installments.js';
import { normaliseText } from './payee.js';
import { CSV_PRESETS, detectCsvPreset, readStatement } from './readers/index.js';
import { withoutControls } from './readers/text.js';
import {
  type CsvMapping,
  IMPORT_LINES_MAX,
  type ParsedStatement,
  type StatementFormat,
  StatementTooLarge,
  StatementUnreadable,
} from './statement.js';

/** A file as the route read it from the multipart body. */
export interface UploadInput {
  bytes: Buffer;
  fileName: string | null;
  accountId: string;
  format: StatementFormat | undefined;
  preset: string | undefined;
  mapping: CsvMapping | undefined;
}

export function featureDisabled(): DomainError {
  return new DomainError('feature_disabled', 404, 'Statement import is turned off on this server.', { feature: 'imports' });
}

export function importTooLarge(detail: string): DomainError {
  return new DomainError('import_too_large', 413, detail, { lines_max: IMPORT_LINES_MAX });
}

export function importUnreadable(detail: string, line: number | null): DomainError {
  return new DomainError('import_unreadable', 422, detail, { line });
}

/**
 * How long a preview waits for its confirm, and how many a person may have open at once: a
 * preview stores every line of its file (up to 50,000), so unconfirmed ones must not pile up.
 * They end when the person next uploads; an expired one answers 409 import_expired.
 */
export const PREVIEW_TTL_MS = 24 * 60 * 60_000;
export const PREVIEWS_OPEN_MAX = 10;

function importNotFound(): DomainError {
  return new DomainError('not_found', 404, 'No such import.');
}

/** A confirm or undo of an import in the wrong state: the code names the state it is in. */
function wrongState(row: ImportRow, action: 'confirm' | 'undo'): DomainError {
  const code =
    row.status === 'preview' ? 'import_not_posted' : `import_${row.status === 'posted' ? 'already_posted' : row.status}`;
  const detail =
    action === 'confirm'
      ? `This import is ${row.status}; only a preview can be confirmed.`
      : `This import is ${row.status}; only a posted import can be undone.`;
  return new DomainError(code, 409, detail, { import_status: row.status });
}

function toSummary(row: ImportRow): ImportSummaryResponse {
  return {
    id: row.id,
    account_id: row.account_id,
    status: row.status,
    format: row.format,
    charset: row.charset,
    preset: row.mapping?.preset ?? null,
    file_name: row.file_name,
    line_count: row.line_count,
    new_count: row.new_count,
    duplicate_count: row.duplicate_count,
    skipped_count: row.skipped_count,
    posted_count: row.posted_count,
    created_at: row.created_at.toISOString(),
    posted_at: row.posted_at?.toISOString() ?? null,
    undone_at: row.undone_at?.toISOString() ?? null,
  };
}

/** What the card rules add to a line of the answer. */
interface LineCard {
  /** The purchase an installment_of line stands for (a preview does not store it). */
  installment_of?: string;
  duplicate_kind: 'same' | 'installment_of' | null;
  installment: { number: number; count: number } | null;
  purchase: {
    first_number: number;
    count: number;
    installments: number;
    total_cents: number;
    total_estimated: boolean;
  } | null;
}

const NO_CARD: LineCard = { duplicate_kind: null, installment: null, purchase: null };

function toLine(line: ImportLineRow, card: LineCard = NO_CARD) {
  return {
    position: line.position,
    line: line.line,
    occurred_on: line.occurred_on,
    description: line.description,
    amount_cents: line.amount_cents,
    category_id: line.category_id,
    duplicate_of: card.installment_of ?? line.duplicate_of,
    duplicate_kind: card.duplicate_kind ?? (line.duplicate_of === null ? null : 'same'),
    installment: card.installment,
    purchase: card.purchase,
    transaction_id: line.transaction_id,
  };
}

/** A line as the card rules see it (on a credit card), with what its plan makes of it. */
function cardOfLine(line: ImportLineRow, isCard: boolean, plan: CardPlan | undefined): LineCard {
  const marker = isCard ? cardInstallment(line.description) : null;
  const installment = marker === null ? null : { number: marker.number, count: marker.count };
  if (plan?.kind === 'installment_of') {
    return { installment_of: plan.purchaseId, duplicate_kind: 'installment_of', installment, purchase: null };
  }
  if (plan?.kind === 'installment_of_line') {
    // The purchase is planned by an earlier line of the file and has no id before the confirm.
    return { duplicate_kind: 'installment_of', installment, purchase: null };
  }
  if (plan?.kind === 'purchase') {
    const first = plan.installments[0];
    assert(first !== undefined, 'a planned purchase holds an installment');
    return {
      duplicate_kind: null,
      installment,
      purchase: {
        first_number: first.number,
        count: first.count,
        installments: plan.installments.length,
        total_cents: plan.totalCents,
        total_estimated: plan.totalEstimated,
      },
    };
  }
  return { duplicate_kind: line.duplicate_of === null ? null : 'same', installment, purchase: null };
}

function toCardLine(line: ImportLineRow): CardLine {
  return { position: line.position, occurredOn: line.occurred_on, description: line.description, amountCents: line.amount_cents };
}

/** A credit card's schedules, or null when the account is not a card or has none (its lines are then ordinary). */
async function cardSchedules(client: Queryable, userId: string, account: AccountRow): Promise<CardSchedule[] | null> {
  if (account.type !== 'credit_card') return null;
  const schedules = await schedulesOf(client, userId, account.id);
  return schedules.length > 0 ? schedules : null;
}

/** The card plans of the lines that are not already in the books (see installments.ts). */
async function planLines(
  client: Queryable,
  options: {
    userId: string;
    accountId: string;
    schedules: CardSchedule[] | null;
    lines: readonly ImportLineRow[];
    choices?: ReadonlyMap<number, CardChoice>;
  },
): Promise<Map<number, CardPlan>> {
  if (options.schedules === null) return new Map();
  const lines = options.lines.map(toCardLine);
  const counts = [...new Set(lines.flatMap((line) => cardInstallment(line.description)?.count ?? []))];
  if (counts.length === 0) return new Map();
  const purchases = await installmentPurchasesOf(client, { userId: options.userId, accountId: options.accountId, counts });
  return planCardLines({ lines, purchases, schedules: options.schedules, choices: options.choices });
}

/**
 * The file name as stored: without control, zero-width or bidi-override characters (U+202E would
 * show "exe.txt" for "txt.exe"), at most FILE_NAME_LENGTH_MAX characters; null when empty.
 */
export function cleanFileName(name: string | null): string | null {
  if (name === null) return null;
  const cleaned = [...withoutControls(name)].slice(0, FILE_NAME_LENGTH_MAX).join('').trim();
  return cleaned === '' ? null : cleaned;
}

/** The readers' output checked against what the ledger accepts; a line it would refuse is the file's fault. */
function checkLines(statement: ParsedStatement): void {
  if (statement.lines.length > IMPORT_LINES_MAX) throw importTooLarge(`The file holds more than ${IMPORT_LINES_MAX} movements.`);
  for (const line of statement.lines) {
    if (line.occurredOn < OCCURRED_ON_MIN || line.occurredOn > OCCURRED_ON_MAX) {
      throw importUnreadable(`The date on line ${line.line} is outside ${OCCURRED_ON_MIN}..${OCCURRED_ON_MAX}.`, line.line);
    }
    if (!Number.isSafeInteger(line.amountCents) || line.amountCents === 0 || Math.abs(line.amountCents) > AMOUNT_MAX_CENTS) {
      throw importUnreadable(`The amount on line ${line.line} is zero or too large.`, line.line);
    }
  }
}

/**
 * The account's remembered mapping is the default for a CSV when the request names neither a
 * preset nor a mapping and no preset recognises the file's header (a bank's own layout is
 * recognised anew each time; a mapping the person made by hand is not).
 */
function defaultMapping(input: UploadInput, remembered: CsvMapping | null): CsvMapping | undefined {
  if (input.mapping !== undefined) return input.mapping;
  if (remembered === null || input.preset !== undefined || input.format === 'ofx') return undefined;
  return detectCsvPreset(input.bytes) === null ? remembered : undefined;
}

function readFile(input: UploadInput, remembered: CsvMapping | null): ParsedStatement {
  try {
    return readStatement(input.bytes, { format: input.format, preset: input.preset, mapping: defaultMapping(input, remembered) });
  } catch (error) {
    if (error instanceof StatementUnreadable) throw importUnreadable(error.message, error.line);
    if (error instanceof StatementTooLarge) throw importTooLarge(`The file holds more than ${error.linesMax} movements.`);
    throw error;
  }
}

/** Splits a list into runs of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}

/** Posts the postings in runs of BATCH_POSTINGS_MAX, all in the caller's one database transaction. */
async function postAll(
  client: pg.PoolClient,
  source: ReturnType<typeof sourceOf>,
  postings: readonly (EntryPosting | ReversalPosting)[],
) {
  let last: Posted | undefined;
  for (const run of chunks(postings, BATCH_POSTINGS_MAX)) {
    const posted = await postBatch(client, source, run);
    last = posted[posted.length - 1];
  }
  return last;
}

/** The lines a choice names: one by its position, or every line with that line number. */
function linesNamed(lines: readonly ImportLineRow[], override: { position?: number; line?: number }): ImportLineRow[] {
  if (override.position !== undefined) return lines.filter((line) => line.position === override.position);
  return lines.filter((line) => line.line === override.line);
}

/**
 * Which lines are already in the books, inside the confirm (the books may have changed since
 * the preview): by key or matching movement (duplicates.ts), then, on a credit card, as an
 * installment of a standing purchase; and what the other installment lines become. Under the
 * card's lock, so its purchases and schedule cannot change before COMMIT.
 */
async function judgeLines(
  client: pg.PoolClient,
  options: { userId: string; account: AccountRow; lines: readonly ImportLineRow[]; choices: ReadonlyMap<number, CardChoice> },
): Promise<{ duplicates: Map<number, string>; plans: Map<number, CardPlan> }> {
  const { userId, account, lines, choices } = options;
  const statementLines = lines.map((line) => ({
    line: line.position,
    occurredOn: line.occurred_on,
    description: line.description,
    amountCents: line.amount_cents,
    dedupeKey: line.dedupe_key,
  }));
  const duplicates = await findDuplicates(client, { userId, accountId: account.id, lines: statementLines });
  const plans = await planLines(client, {
    userId,
    accountId: account.id,
    schedules: await cardSchedules(client, userId, account),
    lines: lines.filter((line) => !duplicates.has(line.position)),
    choices,
  });
  checkCardChoices(choices, plans);
  for (const [position, plan] of plans) if (plan.kind === 'installment_of') duplicates.set(position, plan.purchaseId);
  return { duplicates, plans };
}

/**
 * Claims the candidates' keys for the postings `ids` will make; a key another confirm committed
 * while this one waited on it makes its line a duplicate of that confirm's posting (the original).
 */
async function claimKeys(
  client: pg.PoolClient,
  options: {
    userId: string;
    accountId: string;
    importId: string;
    candidates: readonly ImportLineRow[];
    ids: ReadonlyMap<number, string>;
    duplicates: Map<number, string>;
  },
): Promise<Set<string>> {
  const { userId, accountId, candidates, ids, duplicates } = options;
  const claimed = await repository.claimDedupeKeys(client, {
    userId,
    accountId,
    importId: options.importId,
    keys: candidates.map((line) => line.dedupe_key),
    transactionIds: candidates.map((line) => ids.get(line.position) as string),
  });
  const lost = candidates.filter((line) => !claimed.has(line.dedupe_key));
  if (lost.length > 0) {
    const holders = await repository.findDedupeKeys(client, { userId, accountId, keys: lost.map((line) => line.dedupe_key) });
    for (const line of lost) duplicates.set(line.position, holders.get(line.dedupe_key) as string);
  }
  return claimed;
}

/** The card choices of the confirm (as_installments, total_cents), by position. */
function cardChoices(lines: readonly ImportLineRow[], input: ConfirmInput): Map<number, CardChoice> {
  const choices = new Map<number, CardChoice>();
  for (const override of input.lines ?? []) {
    if (override.as_installments === undefined && override.total_cents === undefined) continue;
    for (const line of linesNamed(lines, override)) {
      choices.set(line.position, { asInstallments: override.as_installments, totalCents: override.total_cents });
    }
  }
  return choices;
}

/** A total is chosen for a line that becomes a purchase in installments, and gives each installment a centavo at least. */
function checkCardChoices(choices: ReadonlyMap<number, CardChoice>, plans: ReadonlyMap<number, CardPlan>): void {
  for (const [position, choice] of choices) {
    if (choice.totalCents === undefined) continue;
    const plan = plans.get(position);
    if (plan?.kind !== 'purchase') {
      throw invalidField(
        'body/lines/total_cents',
        `the line at position ${position} does not become a purchase in installments`,
        'not_applicable',
      );
    }
    if (choice.totalCents < plan.installments.length) {
      throw invalidField('body/lines/total_cents', 'each installment must be at least one centavo', 'installment_too_small');
    }
  }
}

/** A chosen category must be the person's own, not archived, and of the line's kind. */
function checkChosen(category: repository.CategoryKindRow | undefined, line: ImportLineRow): void {
  if (!category) throw notFound('category');
  const kind = line.amount_cents < 0 ? 'expense' : 'income';
  if (category.kind !== kind) {
    throw new DomainError('category_kind_mismatch', 422, `This category is for ${category.kind}, not ${kind}.`, {
      line: line.line,
      position: line.position,
    });
  }
  if (category.archived)
    throw new DomainError('category_archived', 422, 'This category is archived.', { line: line.line, position: line.position });
}

/**
 * Takes the locks the postings will take (the account and the person's income and expense
 * accounts, in the ledger's order) before the duplicate check, so two confirms into one
 * account run one after the other: the second judges duplicates against the first's
 * committed postings, even when the two files share no key (overlapping exports).
 */
async function lockForPosting(client: pg.PoolClient, userId: string, accountId: string): Promise<void> {
  const counterparties = await Promise.all([
    findInternalAccountId(client, userId, 'income'),
    findInternalAccountId(client, userId, 'expense'),
  ]);
  await lockAndLoadAccounts(client, userId, [accountId, ...counterparties]);
}

export class ImportsService {
  constructor(private readonly deps: ServiceDeps) {}

  /** The account an import is for: the person's own, not archived. */
  private async usableAccount(client: pg.PoolClient | pg.Pool, userId: string, accountId: string): Promise<AccountRow> {
    const account = await findUserAccount(client, userId, accountId);
    if (!account) throw notFound('account');
    if (account.archived_at !== null) {
      throw new DomainError('account_archived', 422, 'This account is archived; unarchive it to import into it.', {
        account_id: accountId,
      });
    }
    return account;
  }

  /** Reads the file, marks duplicates, guesses categories and stores the preview; nothing is posted. */
  async preview(context: RequestContext, input: UploadInput): Promise<WriteResult<ImportPreviewResponse>> {
    const userId = context.userId;
    const account = await this.usableAccount(this.deps.pool, userId, input.accountId);
    const remembered = await repository.findMapping(this.deps.pool, { userId, accountId: input.accountId });
    const statement = readFile(input, remembered);
    checkLines(statement);
    return idempotentWrite(this.deps, context, async (client, now) => {
      // The helpers key each line by its position in the file: line numbers repeat in a one-line OFX.
      const byPosition = statement.lines.map((line, index) => ({ ...line, line: index + 1 }));
      const duplicates = await findDuplicates(client, { userId, accountId: input.accountId, lines: byPosition });
      const categories = await guessCategories(client, { userId, lines: byPosition });
      const lines: ImportLineRow[] = statement.lines.map((line, index) => ({
        position: index + 1,
        line: line.line,
        occurred_on: line.occurredOn,
        description: line.description,
        amount_cents: line.amountCents,
        dedupe_key: line.dedupeKey,
        category_id: categories.get(index + 1) ?? null,
        duplicate_of: duplicates.get(index + 1) ?? null,
        transaction_id: null,
      }));
      const plans = await planLines(client, {
        userId,
        accountId: input.accountId,
        schedules: await cardSchedules(client, userId, account),
        lines: lines.filter((line) => line.duplicate_of === null),
      });
      const installmentOfCount = [...plans.values()].filter((plan) => plan.kind !== 'purchase').length;
      const duplicateCount = duplicates.size + installmentOfCount;
      const row: ImportRow = {
        id: newId(),
        user_id: userId,
        account_id: input.accountId,
        status: 'preview',
        format: statement.format,
        charset: statement.charset,
        file_name: cleanFileName(input.fileName),
        file_sha256: createHash('sha256').update(input.bytes).digest('hex'),
        mapping: statement.mapping,
        line_count: lines.length,
        new_count: lines.length - duplicateCount,
        duplicate_count: duplicateCount,
        skipped_count: statement.skippedCount,
        posted_count: 0,
        created_at: now,
        posted_at: null,
        undone_at: null,
      };
      await repository.expirePreviews(client, {
        userId,
        before: new Date(now.getTime() - PREVIEW_TTL_MS),
        openMax: PREVIEWS_OPEN_MAX,
      });
      await repository.insertImport(client, row, lines);
      if (statement.mapping !== null) {
        await repository.saveMapping(client, { userId, accountId: input.accountId, mapping: statement.mapping, now });
      }
      const isCard = account.type === 'credit_card';
      const body = lines.map((line) => toLine(line, cardOfLine(line, isCard, plans.get(line.position))));
      return { status: 201, body: { ...toSummary(row), lines: body } };
    });
  }

  async get(userId: string, importId: string): Promise<ImportPreviewResponse> {
    const row = await repository.findImport(this.deps.pool, { userId, importId });
    if (!row) throw importNotFound();
    const lines = await repository.linesOf(this.deps.pool, { userId, importId });
    return { ...toSummary(row), lines: await this.describeLines(row, lines) };
  }

  /**
   * The lines with what the card rules make of them: a preview's as a confirm would post them
   * now; a posted import's from the books (a line that stands for an installment of a purchase
   * it did not post itself is installment_of; one whose key the purchase holds is the same).
   */
  private async describeLines(row: ImportRow, lines: readonly ImportLineRow[]) {
    const pool = this.deps.pool;
    const account = await findUserAccount(pool, row.user_id, row.account_id);
    const isCard = account?.type === 'credit_card';
    if (!account || !isCard) return lines.map((line) => toLine(line));
    if (row.status === 'preview') {
      const plans = await planLines(pool, {
        userId: row.user_id,
        accountId: row.account_id,
        schedules: await cardSchedules(pool, row.user_id, account),
        lines: lines.filter((line) => line.duplicate_of === null),
      });
      return lines.map((line) => toLine(line, cardOfLine(line, true, plans.get(line.position))));
    }
    const ids = lines.flatMap((line) => [line.transaction_id ?? [], line.duplicate_of ?? []].flat());
    const purchases = await installmentNumbersOf(pool, { userId: row.user_id, transactionIds: [...new Set(ids)] });
    const keys = await repository.findDedupeKeys(pool, {
      userId: row.user_id,
      accountId: row.account_id,
      keys: lines.flatMap((line) => (line.duplicate_of === null ? [] : [line.dedupe_key])),
    });
    return lines.map((line) => {
      const card = cardOfLine(line, true, undefined);
      const own = line.transaction_id === null ? undefined : purchases.get(line.transaction_id);
      if (own && card.installment) {
        const total = own.total_cents;
        const estimated = own.numbers.length > 1 && own.numbers.length * -line.amount_cents === total;
        card.purchase = {
          first_number: own.numbers[0] as number,
          count: own.count,
          installments: own.numbers.length,
          total_cents: total,
          total_estimated: estimated,
        };
      }
      const of = line.duplicate_of === null ? undefined : purchases.get(line.duplicate_of);
      if (of && card.installment && of.count === card.installment.count && keys.get(line.dedupe_key) !== line.duplicate_of) {
        card.duplicate_kind = 'installment_of';
      }
      return toLine(line, card);
    });
  }

  async list(
    userId: string,
    query: ImportListInput & { skip: number; limit: number },
  ): Promise<PageResult<ImportSummaryResponse>> {
    // A filter naming an account that is not the person's is 404, as a path id is.
    if (query.account_id !== undefined && !(await findUserAccount(this.deps.pool, userId, query.account_id)))
      throw notFound('account');
    const { rows, total } = await repository.listImports(this.deps.pool, {
      userId,
      accountId: query.account_id,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: rows.map(toSummary), total, skip: query.skip, limit: query.limit };
  }

  /** The CSV presets the readers know, for a screen's list. */
  presets(): { items: Array<{ id: string; label: string }> } {
    return { items: Object.entries(CSV_PRESETS).map(([id, preset]) => ({ id, label: preset.label })) };
  }

  /** The remembered CSV mapping of an account (null when none), so a screen can show it. */
  async mapping(userId: string, accountId: string): Promise<{ account_id: string; mapping: CsvMapping | null }> {
    const account = await findUserAccount(this.deps.pool, userId, accountId);
    if (!account) throw notFound('account');
    return { account_id: accountId, mapping: await repository.findMapping(this.deps.pool, { userId, accountId }) };
  }

  /**
   * Posts the preview's new lines through the ledger in one database transaction. Duplicates
   * are judged again here (the books may have changed since the preview), and each line's
   * key is claimed in import_dedupe before it is posted: a key another confirm holds is a
   * duplicate of its posting, so two confirms of the same lines never post one twice.
   */
  async confirm(context: RequestContext, importId: string, input: ConfirmInput): Promise<WriteResult<unknown>> {
    const userId = context.userId;
    return idempotentWrite(this.deps, context, async (client, now) => {
      const row = await repository.findImport(client, { userId, importId, forUpdate: true });
      if (!row) throw importNotFound();
      if (row.status !== 'preview') throw wrongState(row, 'confirm');
      const account = await this.usableAccount(client, userId, row.account_id);
      await lockForPosting(client, userId, row.account_id);
      const lines = await repository.linesOf(client, { userId, importId });
      const chosen = await this.chosenCategories(client, userId, lines, input);
      const choices = cardChoices(lines, input);
      const { duplicates, plans } = await judgeLines(client, { userId, account, lines, choices });
      // A line that is an installment of a purchase another line of the file makes posts nothing.
      const ofLine = new Map<number, number>();
      for (const [position, plan] of plans) if (plan.kind === 'installment_of_line') ofLine.set(position, plan.position);
      const candidates = lines.filter((line) => !duplicates.has(line.position) && !ofLine.has(line.position));
      const ids = new Map(candidates.map((line) => [line.position, newTimeOrderedId()]));
      const claimed = await claimKeys(client, { userId, accountId: row.account_id, importId, candidates, ids, duplicates });
      // The planning line's purchase: its own posting, or the one that took its key meanwhile.
      for (const [position, planner] of ofLine) duplicates.set(position, duplicates.get(planner) ?? (ids.get(planner) as string));
      const toPost = candidates.filter((line) => claimed.has(line.dedupe_key));
      const source = sourceOf(context, this.deps.clock.now());
      const purchaseOf = (line: ImportLineRow) => {
        const plan = plans.get(line.position);
        return plan?.kind === 'purchase' ? plan : undefined;
      };
      const postings: EntryPosting[] = toPost.map((line) => ({
        kind: line.amount_cents < 0 ? 'expense' : 'income',
        transactionId: ids.get(line.position) as string,
        accountId: row.account_id,
        // A purchase in installments is one expense of its whole amount, as POST /api/transactions posts it.
        amountCents: purchaseOf(line)?.totalCents ?? Math.abs(line.amount_cents),
        description: purchaseOf(line)?.description ?? line.description,
        categoryId: chosen.get(line.position) ?? null,
        notes: null,
        occurredOn: line.occurred_on,
        // A statement records money that already moved: the bank's books are the fact, so
        // the floor does not refuse it (ledger_v2's allow_negative; see docs/IMPORTS.md).
        allowNegative: true,
      }));
      const last = postings.length > 0 ? await postAll(client, source, postings) : undefined;
      for (const line of toPost) {
        const plan = purchaseOf(line);
        const transactionId = ids.get(line.position) as string;
        if (plan)
          await insertInstallments(client, { userId, accountId: row.account_id, transactionId, installments: plan.installments });
      }
      const posted = new Set(toPost.map((line) => line.position));
      await repository.markPosted(client, {
        userId,
        importId,
        now,
        lines: lines.map((line) => ({
          position: line.position,
          categoryId: chosen.get(line.position) ?? null,
          duplicateOf: posted.has(line.position) ? null : (duplicates.get(line.position) ?? null),
          transactionId: posted.has(line.position) ? (ids.get(line.position) as string) : null,
        })),
      });
      const after = last?.accounts.get(row.account_id) ?? (await this.usableAccount(client, userId, row.account_id));
      return {
        status: 201,
        body: {
          id: importId,
          status: 'posted',
          posted_count: postings.length,
          duplicate_count: lines.length - postings.length,
          account: { id: after.id, balance_cents: after.balance_cents, row_version: after.row_version },
        },
      };
    });
  }

  /**
   * Each line's category: the one chosen on the preview when the confirm names the line
   * (null clears it), else the preview's guess. A chosen category must be the person's own,
   * not archived, and of the line's kind (an expense's for a debit, an income's for a credit).
   */
  private async chosenCategories(
    client: pg.PoolClient,
    userId: string,
    lines: readonly ImportLineRow[],
    input: ConfirmInput,
  ): Promise<Map<number, string | null>> {
    const chosen = new Map(lines.map((line) => [line.position, line.category_id]));
    const overrides = input.lines ?? [];
    const ids = [...new Set(overrides.flatMap((override) => (override.category_id ? [override.category_id] : [])))];
    const categories = await repository.categoriesByIds(client, { userId, ids });
    overrides.forEach((override, index) => {
      if ((override.position === undefined) === (override.line === undefined)) {
        throw invalidField(`body/lines/${index}`, 'must name either a position or a line', 'oneOf');
      }
      const targets = linesNamed(lines, override);
      if (targets.length === 0) {
        const field = override.position !== undefined ? 'position' : 'line';
        throw invalidField(`body/lines/${index}/${field}`, 'is not a line of this import', field);
      }
      if (override.category_id === undefined) return;
      const categoryId = override.category_id;
      for (const line of targets) {
        if (categoryId !== null) checkChosen(categories.get(categoryId), line);
        chosen.set(line.position, categoryId);
      }
    });
    return chosen;
  }

  /**
   * Reverses every posting of the import that still stands (reversals, never deletes), in
   * one database transaction, and releases its keys so the file can be imported again.
   */
  async undo(context: RequestContext, importId: string): Promise<WriteResult<unknown>> {
    const userId = context.userId;
    return idempotentWrite(this.deps, context, async (client, now) => {
      const row = await repository.findImport(client, { userId, importId, forUpdate: true });
      if (!row) throw importNotFound();
      if (row.status !== 'posted') throw wrongState(row, 'undo');
      const standing = await repository.standingTransactions(client, { userId, importId });
      const source = sourceOf(context, this.deps.clock.now());
      const reversals: ReversalPosting[] = standing.map((id) => ({
        kind: 'reversal',
        originalTransactionId: id,
        description: undefined,
        // Undoing a statement restores the books as they were; an income's reversal may go below the floor.
        allowNegative: true,
      }));
      const last = reversals.length > 0 ? await postAll(client, source, reversals) : undefined;
      await repository.releaseDedupeKeys(client, { userId, importId });
      await repository.markUndone(client, { userId, importId, now });
      const account = last?.accounts.get(row.account_id) ?? (await findUserAccount(client, userId, row.account_id));
      assert(account !== undefined, `the account of import ${importId} is missing`);
      return {
        status: 201,
        body: {
          id: importId,
          status: 'undone',
          reversed_count: reversals.length,
          account: { id: account.id, balance_cents: account.balance_cents, row_version: account.row_version },
        },
      };
    });
  }

  async listRules(userId: string, query: { skip: number; limit: number }): Promise<PageResult<ImportRuleResponse>> {
    const { rows, total } = await repository.listRules(this.deps.pool, { userId, ...query });
    return { items: rows.map(toRule), total, skip: query.skip, limit: query.limit };
  }

  /** Saves "always put <pattern> in <category>"; the same pattern again replaces its category. */
  async createRule(context: RequestContext, input: CreateRuleInput): Promise<WriteResult<unknown>> {
    const pattern = normaliseText(input.pattern);
    if (pattern === '') throw invalidField('body/pattern', 'must contain letters', 'pattern');
    return idempotentWrite(this.deps, context, async (client, now) => {
      const categories = await repository.categoriesByIds(client, { userId: context.userId, ids: [input.category_id] });
      const category = categories.get(input.category_id);
      if (!category) throw notFound('category');
      if (category.archived) throw new DomainError('category_archived', 422, 'This category is archived.');
      if ((await repository.countRules(client, context.userId)) >= RULES_PER_USER_MAX) {
        throw new DomainError('rule_limit_reached', 422, `At most ${RULES_PER_USER_MAX} rules.`, {
          rules_max: RULES_PER_USER_MAX,
        });
      }
      const rule = await repository.upsertRule(client, {
        id: newId(),
        userId: context.userId,
        pattern,
        categoryId: input.category_id,
        createdAt: now,
      });
      return { status: 201, body: toRule(rule) };
    });
  }

  async deleteRule(userId: string, ruleId: string): Promise<void> {
    const deleted = await repository.deleteRule(this.deps.pool, { userId, ruleId });
    if (!deleted) throw new DomainError('not_found', 404, 'No such rule.');
  }
}

function toRule(row: repository.RuleRow): ImportRuleResponse {
  return { id: row.id, pattern: row.pattern, category_id: row.category_id, created_at: row.created_at.toISOString() };
}
