import type { Queryable } from '../../db/queryable.js';
import { NOT_REVERSED } from '../ledger/index.js';
import type { CsvMapping } from './statement.js';

export interface ImportRow {
  id: string;
  user_id: string;
  account_id: string;
  status: 'preview' | 'posted' | 'undone' | 'expired';
  format: 'ofx' | 'csv';
  charset: string;
  file_name: string | null;
  file_sha256: string;
  mapping: CsvMapping | null;
  line_count: number;
  new_count: number;
  duplicate_count: number;
  skipped_count: number;
  posted_count: number;
  created_at: Date;
  posted_at: Date | null;
  undone_at: Date | null;
}

export interface ImportLineRow {
  /** 1-based order in the file: the line's key (its line number repeats in a one-line OFX). */
  position: number;
  line: number;
  occurred_on: string;
  description: string;
  amount_cents: number;
  dedupe_key: string;
  category_id: string | null;
  duplicate_of: string | null;
  transaction_id: string | null;
}

const IMPORT_COLUMNS = `id, user_id, account_id, status, format, charset, file_name, file_sha256, mapping, line_count,
  new_count, duplicate_count, skipped_count, posted_count, created_at, posted_at, undone_at`;
const LINE_COLUMNS =
  'position, line, occurred_on, description, amount_cents, dedupe_key, category_id, duplicate_of, transaction_id';

/** The preview and its lines, in one statement (the lines as parallel arrays). */
export async function insertImport(
  client: Queryable,
  row: Omit<ImportRow, 'posted_count' | 'posted_at' | 'undone_at'>,
  lines: readonly ImportLineRow[],
) {
  await client.query(
    `WITH header AS (
       INSERT INTO imports (id, user_id, account_id, status, format, charset, file_name, file_sha256, mapping, line_count,
         new_count, duplicate_count, skipped_count, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     )
     INSERT INTO import_lines (import_id, user_id, position, line, occurred_on, description, amount_cents, dedupe_key, category_id,
       duplicate_of)
     SELECT $1, $2, l.position, l.line, l.occurred_on, l.description, l.amount_cents, l.dedupe_key, l.category_id, l.duplicate_of
       FROM unnest($15::int[], $16::date[], $17::text[], $18::bigint[], $19::text[], $20::uuid[], $21::uuid[], $22::int[])
         AS l (line, occurred_on, description, amount_cents, dedupe_key, category_id, duplicate_of, position)`,
    [
      row.id,
      row.user_id,
      row.account_id,
      row.status,
      row.format,
      row.charset,
      row.file_name,
      row.file_sha256,
      row.mapping === null ? null : JSON.stringify(row.mapping),
      row.line_count,
      row.new_count,
      row.duplicate_count,
      row.skipped_count,
      row.created_at,
      lines.map((line) => line.line),
      lines.map((line) => line.occurred_on),
      lines.map((line) => line.description),
      lines.map((line) => line.amount_cents),
      lines.map((line) => line.dedupe_key),
      lines.map((line) => line.category_id),
      lines.map((line) => line.duplicate_of),
      lines.map((line) => line.position),
    ],
  );
}

/**
 * Ends the person's previews that are older than `before`, and the oldest beyond `openMax - 1`,
 * so a new one fits: each becomes `expired` and its stored lines go (they can be read again from
 * the file). A preview a confirm holds is waited for; once posted it is no longer a preview.
 */
export async function expirePreviews(
  client: Queryable,
  options: { userId: string; before: Date; openMax: number },
): Promise<number> {
  const result = await client.query<{ id: string }>(
    `WITH open AS (
       SELECT id, created_at, row_number() OVER (ORDER BY created_at DESC, id DESC) AS newest
         FROM imports WHERE user_id = $1 AND status = 'preview'
     ), ended AS (
       UPDATE imports SET status = 'expired'
        WHERE user_id = $1 AND status = 'preview'
          AND id IN (SELECT id FROM open WHERE created_at < $2 OR newest >= $3)
       RETURNING id
     ), dropped AS (
       DELETE FROM import_lines WHERE user_id = $1 AND import_id IN (SELECT id FROM ended)
     )
     SELECT id FROM ended`,
    [options.userId, options.before, options.openMax],
  );
  return result.rowCount ?? 0;
}

export async function findImport(
  client: Queryable,
  options: { userId: string; importId: string; forUpdate?: boolean },
): Promise<ImportRow | undefined> {
  const result = await client.query<ImportRow>(
    `SELECT ${IMPORT_COLUMNS} FROM imports WHERE user_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [options.userId, options.importId],
  );
  return result.rows[0];
}

/** Called only with an import found among the person's own. */
export async function linesOf(client: Queryable, options: { userId: string; importId: string }): Promise<ImportLineRow[]> {
  const result = await client.query<ImportLineRow>(
    `SELECT ${LINE_COLUMNS} FROM import_lines WHERE user_id = $1 AND import_id = $2 ORDER BY position`,
    [options.userId, options.importId],
  );
  return result.rows;
}

export async function listImports(
  client: Queryable,
  options: { userId: string; accountId: string | undefined; skip: number; limit: number },
): Promise<{ rows: ImportRow[]; total: number }> {
  const result = await client.query<ImportRow & { total: number }>(
    `SELECT ${IMPORT_COLUMNS}, count(*) OVER ()::int AS total FROM imports
      WHERE user_id = $1 AND ($2::uuid IS NULL OR account_id = $2)
      ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [options.userId, options.accountId ?? null, options.limit, options.skip],
  );
  const total = result.rows[0]?.total ?? (options.skip > 0 ? await countImports(client, options) : 0);
  return { rows: result.rows, total };
}

async function countImports(client: Queryable, options: { userId: string; accountId: string | undefined }): Promise<number> {
  const result = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM imports WHERE user_id = $1 AND ($2::uuid IS NULL OR account_id = $2)',
    [options.userId, options.accountId ?? null],
  );
  return result.rows[0]?.n ?? 0;
}

/**
 * A key's holder was reversed by hand (deleted): the movement is out of the books, so the key is
 * free again. A correction also reverses its original, but the movement lives on in the new
 * posting that names it (`corrects_transaction_id`): its key stays taken, or a re-import of the
 * file would post the corrected movement a second time.
 */
const HOLDER_REVERSED = `(EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = import_dedupe.transaction_id)
   AND NOT EXISTS (SELECT 1 FROM transactions c WHERE c.corrects_transaction_id = import_dedupe.transaction_id))`;

/**
 * The transaction each of these keys already names in the account (posted by an import not
 * undone, and not reversed since).
 */
export async function findDedupeKeys(
  client: Queryable,
  options: { userId: string; accountId: string; keys: readonly string[] },
): Promise<Map<string, string>> {
  const result = await client.query<{ dedupe_key: string; transaction_id: string }>(
    `SELECT dedupe_key, transaction_id FROM import_dedupe
      WHERE user_id = $1 AND account_id = $2 AND dedupe_key = ANY($3::text[]) AND NOT ${HOLDER_REVERSED}`,
    [options.userId, options.accountId, options.keys],
  );
  return new Map(result.rows.map((row) => [row.dedupe_key, row.transaction_id]));
}

/**
 * Claims the keys for this import: a key another transaction holds (even uncommitted: the
 * insert waits for it) is skipped, unless its holder has been reversed since (then the key
 * passes to this import). Returns the keys this call now holds.
 */
export async function claimDedupeKeys(
  client: Queryable,
  options: { userId: string; accountId: string; importId: string; keys: readonly string[]; transactionIds: readonly string[] },
): Promise<Set<string>> {
  const result = await client.query<{ dedupe_key: string }>(
    `INSERT INTO import_dedupe (account_id, dedupe_key, user_id, import_id, transaction_id)
     SELECT $1, k.dedupe_key, $2, $3, k.transaction_id FROM unnest($4::text[], $5::uuid[]) AS k (dedupe_key, transaction_id)
     ON CONFLICT (account_id, dedupe_key) DO UPDATE
       SET import_id = EXCLUDED.import_id, transaction_id = EXCLUDED.transaction_id
       WHERE ${HOLDER_REVERSED}
     RETURNING dedupe_key`,
    [options.accountId, options.userId, options.importId, options.keys, options.transactionIds],
  );
  return new Set(result.rows.map((row) => row.dedupe_key));
}

export async function releaseDedupeKeys(client: Queryable, options: { userId: string; importId: string }): Promise<void> {
  await client.query('DELETE FROM import_dedupe WHERE user_id = $1 AND import_id = $2', [options.userId, options.importId]);
}

/** An income or expense already on the account that a line might repeat. */
export interface ExistingMovement {
  id: string;
  occurred_on: string;
  amount_cents: number;
  description: string;
}

/**
 * The account's incomes and expenses (not reversed) between two days, with their signed
 * amount on the account, for the "same date, amount and payee" duplicate check.
 */
export async function movementsBetween(
  client: Queryable,
  options: { userId: string; accountId: string; from: string; to: string },
): Promise<ExistingMovement[]> {
  const result = await client.query<ExistingMovement>(
    `SELECT t.id, t.occurred_on, e.amount_cents, t.description
       FROM transactions t JOIN ledger_entries e ON e.transaction_id = t.id AND e.account_id = t.account_id
      WHERE t.user_id = $1 AND t.account_id = $2 AND t.kind IN ('income', 'expense')
        AND t.occurred_on BETWEEN $3 AND $4 AND ${NOT_REVERSED}
      ORDER BY t.occurred_on, t.created_at, t.id`,
    [options.userId, options.accountId, options.from, options.to],
  );
  return result.rows;
}

/** How often each description went to each category: the material of the category guess. */
export interface CategoryUse {
  description: string;
  category_id: string;
  kind: 'income' | 'expense';
  uses: number;
}

/** The person's categorised incomes and expenses, grouped by description, most recent first, at most `limit` groups. */
export async function categoryUses(client: Queryable, options: { userId: string; limit: number }): Promise<CategoryUse[]> {
  const result = await client.query<CategoryUse>(
    `SELECT t.description, t.category_id, c.kind, count(*)::int AS uses
       FROM transactions t JOIN categories c ON c.id = t.category_id AND c.user_id = t.user_id
      WHERE t.user_id = $1 AND t.kind IN ('income', 'expense') AND t.category_id IS NOT NULL AND c.archived_at IS NULL
        AND ${NOT_REVERSED}
      GROUP BY t.description, t.category_id, c.kind
      ORDER BY max(t.created_at) DESC LIMIT $2`,
    [options.userId, options.limit],
  );
  return result.rows;
}

export interface RuleRow {
  id: string;
  pattern: string;
  category_id: string;
  kind: 'income' | 'expense';
  created_at: Date;
}

export async function listRules(
  client: Queryable,
  options: { userId: string; skip: number; limit: number },
): Promise<{ rows: RuleRow[]; total: number }> {
  const result = await client.query<RuleRow & { total: number }>(
    `SELECT r.id, r.pattern, r.category_id, c.kind, r.created_at, count(*) OVER ()::int AS total
       FROM import_rules r JOIN categories c ON c.id = r.category_id AND c.user_id = r.user_id
      WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2 OFFSET $3`,
    [options.userId, options.limit, options.skip],
  );
  const total = result.rows[0]?.total ?? (options.skip > 0 ? await countRules(client, options.userId) : 0);
  return { rows: result.rows, total };
}

export async function countRules(client: Queryable, userId: string): Promise<number> {
  const result = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM import_rules WHERE user_id = $1', [userId]);
  return result.rows[0]?.n ?? 0;
}

/** Every rule whose category is not archived, for matching. */
export async function activeRules(client: Queryable, userId: string): Promise<RuleRow[]> {
  const result = await client.query<RuleRow>(
    `SELECT r.id, r.pattern, r.category_id, c.kind, r.created_at
       FROM import_rules r JOIN categories c ON c.id = r.category_id AND c.user_id = r.user_id
      WHERE r.user_id = $1 AND c.archived_at IS NULL`,
    [userId],
  );
  return result.rows;
}

/** A rule for a pattern replaces the earlier one: "UBER" goes to one category. */
export async function upsertRule(
  client: Queryable,
  rule: { id: string; userId: string; pattern: string; categoryId: string; createdAt: Date },
): Promise<RuleRow> {
  const result = await client.query<RuleRow>(
    `WITH saved AS (
       INSERT INTO import_rules (id, user_id, pattern, category_id, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, pattern) DO UPDATE SET category_id = EXCLUDED.category_id
       RETURNING id, pattern, category_id, created_at, user_id
     )
     SELECT s.id, s.pattern, s.category_id, c.kind, s.created_at FROM saved s
       JOIN categories c ON c.id = s.category_id AND c.user_id = s.user_id`,
    [rule.id, rule.userId, rule.pattern, rule.categoryId, rule.createdAt],
  );
  return result.rows[0] as RuleRow;
}

export async function deleteRule(client: Queryable, options: { userId: string; ruleId: string }): Promise<boolean> {
  const result = await client.query('DELETE FROM import_rules WHERE user_id = $1 AND id = $2', [options.userId, options.ruleId]);
  return (result.rowCount ?? 0) > 0;
}

export async function findMapping(client: Queryable, options: { userId: string; accountId: string }): Promise<CsvMapping | null> {
  const result = await client.query<{ mapping: CsvMapping }>(
    'SELECT mapping FROM import_mappings WHERE user_id = $1 AND account_id = $2',
    [options.userId, options.accountId],
  );
  return result.rows[0]?.mapping ?? null;
}

export async function saveMapping(
  client: Queryable,
  options: { userId: string; accountId: string; mapping: CsvMapping; now: Date },
): Promise<void> {
  await client.query(
    `INSERT INTO import_mappings (account_id, user_id, mapping, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id) DO UPDATE SET mapping = EXCLUDED.mapping, updated_at = EXCLUDED.updated_at
      WHERE import_mappings.user_id = EXCLUDED.user_id`,
    [options.accountId, options.userId, JSON.stringify(options.mapping), options.now],
  );
}

/** Records the outcome of a confirm: which line became which posting, which were duplicates. */
export async function markPosted(
  client: Queryable,
  options: {
    userId: string;
    importId: string;
    now: Date;
    lines: ReadonlyArray<{
      position: number;
      categoryId: string | null;
      duplicateOf: string | null;
      transactionId: string | null;
    }>;
  },
): Promise<void> {
  const posted = options.lines.filter((line) => line.transactionId !== null).length;
  const duplicates = options.lines.length - posted;
  await client.query(
    `WITH changed AS (
       UPDATE import_lines l SET category_id = c.category_id, duplicate_of = c.duplicate_of, transaction_id = c.transaction_id
         FROM unnest($3::int[], $4::uuid[], $5::uuid[], $6::uuid[]) AS c (position, category_id, duplicate_of, transaction_id)
        WHERE l.user_id = $1 AND l.import_id = $2 AND l.position = c.position
     )
     UPDATE imports SET status = 'posted', posted_at = $7, posted_count = $8, new_count = $8, duplicate_count = $9
      WHERE user_id = $1 AND id = $2`,
    [
      options.userId,
      options.importId,
      options.lines.map((line) => line.position),
      options.lines.map((line) => line.categoryId),
      options.lines.map((line) => line.duplicateOf),
      options.lines.map((line) => line.transactionId),
      options.now,
      posted,
      duplicates,
    ],
  );
}

export async function markUndone(client: Queryable, options: { userId: string; importId: string; now: Date }): Promise<void> {
  await client.query(`UPDATE imports SET status = 'undone', undone_at = $3 WHERE user_id = $1 AND id = $2`, [
    options.userId,
    options.importId,
    options.now,
  ]);
}

/** The import's postings that are still standing (the person may have reversed some one by one). */
export async function standingTransactions(client: Queryable, options: { userId: string; importId: string }): Promise<string[]> {
  const result = await client.query<{ id: string }>(
    `SELECT t.id FROM import_lines l JOIN transactions t ON t.id = l.transaction_id AND t.user_id = l.user_id
      WHERE l.user_id = $1 AND l.import_id = $2 AND ${NOT_REVERSED}
      ORDER BY l.position`,
    [options.userId, options.importId],
  );
  return result.rows.map((row) => row.id);
}

export interface CategoryKindRow {
  id: string;
  kind: 'income' | 'expense';
  archived: boolean;
}

/** The person's own categories among these ids (another person's are simply absent). */
export async function categoriesByIds(
  client: Queryable,
  options: { userId: string; ids: readonly string[] },
): Promise<Map<string, CategoryKindRow>> {
  const result = await client.query<CategoryKindRow>(
    'SELECT id, kind, archived_at IS NOT NULL AS archived FROM categories WHERE user_id = $1 AND id = ANY($2::uuid[])',
    [options.userId, options.ids],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}
