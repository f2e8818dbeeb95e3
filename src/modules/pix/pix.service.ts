import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { pgCode, pgConstraint, SqlState } from '../../db/sqlstate.js';
import { runTransaction } from '../../db/unit-of-work.js';
import { assert } from '../../lib/assert.js';
import { DomainError, invalidFields, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { PageResult } from '../../lib/pagination.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { findUserAccount } from '../accounts/accounts.repository.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import {
  accountNotFound,
  balanceIn,
  type EntryPosting,
  occurredOn,
  postEntry,
  postedTransactionResponse,
  reverse,
  sourceOf,
} from '../ledger/index.js';
import { type BrCode, CITY_LENGTH_MAX, encodeBrCode, NAME_LENGTH_MAX, parseBrCode } from './brcode.js';
import * as repository from './pix.repository.js';
import type {
  BrCodeResponse,
  ChargeListInput,
  CreateChargeInput,
  PixChargeResponse,
  PixChargeWithQrResponse,
  PixKeyResponse,
  PutPixKeyInput,
  ReceiveChargeInput,
  RecordPaymentInput,
} from './pix.schemas.js';
import { validatePixKey } from './pix-keys.js';
import { renderQrSvg } from './qr.js';
import { toPlainAscii } from './text.js';

/** Where a receiver's city is not given: the BR Code needs one, and payers' banks show it. */
export const MERCHANT_CITY_DEFAULT = 'BRASIL';
/** The income a received charge posts is filed here unless the request says otherwise. */
const PIX_RECEIVED_CATEGORY = 'pix_received';
const CHARGE_DESCRIPTION_DEFAULT = 'Pix recebido';
const TXID_PREFIX = 'VDP';
const TXID_RANDOM_LENGTH = 22;
const TXID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A txid nobody can guess: "VDP" and 22 random letters and digits (25 in all, the static maximum). */
export function newChargeTxid(): string {
  let random = '';
  for (let index = 0; index < TXID_RANDOM_LENGTH; index += 1) random += TXID_ALPHABET[randomInt(TXID_ALPHABET.length)];
  return TXID_PREFIX + random;
}

export function toPixKeyResponse(row: repository.PixKeyRow): PixKeyResponse {
  return {
    account_id: row.account_id,
    key: row.key,
    type: row.key_type,
    merchant_name: row.merchant_name,
    merchant_city: row.merchant_city,
    row_version: row.row_version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toChargeResponse(row: repository.ChargeRow): PixChargeResponse {
  return {
    id: row.id,
    account_id: row.account_id,
    key: row.pix_key,
    key_type: row.key_type,
    merchant_name: row.merchant_name,
    merchant_city: row.merchant_city,
    amount_cents: row.amount_cents,
    description: row.description,
    txid: row.txid,
    payload: row.payload,
    status: row.received_transaction_id === null ? 'pending' : 'received',
    received_transaction_id: row.received_transaction_id,
    created_at: row.created_at.toISOString(),
  };
}

export function toBrCodeResponse(code: BrCode): BrCodeResponse {
  return {
    type: code.type,
    point_of_initiation: code.pointOfInitiation,
    key: code.key,
    key_type: code.keyType,
    url: code.url,
    description: code.description,
    amount_cents: code.amountCents,
    merchant_category_code: code.merchantCategoryCode,
    name: code.name,
    city: code.city,
    postal_code: code.postalCode,
    txid: code.txid,
    crc: code.crc,
    unknown_fields: code.unknownFields,
  };
}

/**
 * A charge's description as the app stores and shows it: the text as typed, accents kept,
 * with runs of white space made one space and the ends trimmed (the BR Code gets the ASCII
 * spelling of the same text). Charges created before this kept the ASCII text; they stay so.
 */
export function chargeDescription(typed: string | undefined): string | null {
  const text = typed?.replace(/\s+/gu, ' ').trim() ?? '';
  return text.length > 0 ? text : null;
}

/** Parses a pasted code or answers 422 invalid_br_code with every error found. */
export function parseOrReject(payload: string): BrCode {
  const parsed = parseBrCode(payload);
  if (parsed.ok) return parsed.code;
  const first = parsed.errors[0]?.message ?? 'unreadable';
  throw new DomainError('invalid_br_code', 422, `This is not a valid Pix code: ${first}.`, { br_code_errors: parsed.errors });
}

/** How a paid Pix is described by default: the payee and where they are. */
export function payeeDescription(code: Pick<BrCode, 'name' | 'city'>): string {
  return code.city ? `${code.name} (${code.city})` : code.name;
}

/** A receiver name or city as the BR Code writes it: plain ASCII, within its length. */
function merchantText(
  field: 'merchant_name' | 'merchant_city',
  value: string,
  options: { lengthMax: number; lenient: boolean },
): string {
  const ascii = toPlainAscii(value, { dropUnsupported: options.lenient });
  if (!ascii.ok) {
    throw invalidFields([
      {
        field: `body/${field}`,
        message: `has characters with no plain-letter spelling: ${ascii.unsupported.join(' ')}`,
        code: 'charset',
      },
    ]);
  }
  const text = options.lenient ? ascii.text.slice(0, options.lengthMax).trimEnd() : ascii.text;
  if (text.length === 0) throw invalidFields([{ field: `body/${field}`, message: 'must not be blank', code: 'blank' }]);
  if (text.length > options.lengthMax) {
    throw invalidFields([
      { field: `body/${field}`, message: `must have at most ${options.lengthMax} letters without accents`, code: 'maxLength' },
    ]);
  }
  return text;
}

export function pixDisabled(): DomainError {
  return new DomainError('feature_disabled', 404, 'Pix tools are turned off on this server.', { feature: 'pix' });
}

export class PixService {
  constructor(private readonly deps: ServiceDeps) {}

  // Keys ------------------------------------------------------------------------------

  validateKey(input: { key: string; type?: PixKeyResponse['type'] | undefined }) {
    const result = validatePixKey(input.key, input.type);
    return result.valid
      ? { valid: true, type: result.type, normalized: result.normalized, reason: null }
      : { valid: false, type: result.type, normalized: null, reason: result.reason };
  }

  async putKey(userId: string, accountId: string, input: PutPixKeyInput): Promise<PixKeyResponse> {
    const checked = validatePixKey(input.key, input.type);
    if (!checked.valid) {
      throw invalidFields([{ field: 'body/key', message: `is not a valid Pix key (${checked.reason})`, code: 'pix_key' }]);
    }
    return runTransaction(this.deps.pool, async (client) => {
      const account = await findUserAccount(client, userId, accountId);
      if (!account) throw accountNotFound();
      if (account.archived_at !== null) {
        throw new DomainError('account_archived', 422, 'This account is archived; unarchive it to receive on it.');
      }
      const current = await repository.findPixKey(client, userId, accountId);
      // The person's own name is a default: shorten it rather than refuse it.
      const merchantName = input.merchant_name
        ? merchantText('merchant_name', input.merchant_name, { lengthMax: NAME_LENGTH_MAX, lenient: false })
        : (current?.merchant_name ??
          merchantText('merchant_name', await repository.findUserName(client, userId), {
            lengthMax: NAME_LENGTH_MAX,
            lenient: true,
          }));
      const merchantCity = input.merchant_city
        ? merchantText('merchant_city', input.merchant_city, { lengthMax: CITY_LENGTH_MAX, lenient: false })
        : (current?.merchant_city ?? MERCHANT_CITY_DEFAULT);
      const otherAccount = await repository.findAccountWithKey(client, userId, checked.normalized);
      if (otherAccount !== undefined && otherAccount !== accountId) throw this.keyInUse(otherAccount);
      try {
        const row = await repository.upsertPixKey(client, {
          account_id: accountId,
          user_id: userId,
          key: checked.normalized,
          key_type: checked.type,
          merchant_name: merchantName,
          merchant_city: merchantCity,
          now: this.deps.clock.now(),
        });
        return toPixKeyResponse(row);
      } catch (error) {
        // Two accounts given the same key at the same instant: the unique index decides.
        if (pgCode(error) === SqlState.uniqueViolation) throw this.keyInUse(null);
        throw error;
      }
    });
  }

  private keyInUse(accountId: string | null): DomainError {
    return new DomainError('pix_key_in_use', 409, 'You already use this Pix key on another account.', {
      account_id: accountId,
    });
  }

  async deleteKey(userId: string, accountId: string): Promise<void> {
    const account = await findUserAccount(this.deps.pool, userId, accountId);
    if (!account) throw accountNotFound();
    if (!(await repository.deletePixKey(this.deps.pool, userId, accountId))) {
      throw notFound('pix_key');
    }
  }

  async listKeys(userId: string, query: { skip: number; limit: number }): Promise<PageResult<PixKeyResponse>> {
    const { rows, total } = await repository.listPixKeys(this.deps.pool, { userId, ...query });
    return { items: rows.map(toPixKeyResponse), total, ...query };
  }

  // Decoding --------------------------------------------------------------------------

  async decode(userId: string, payload: string) {
    const code = parseOrReject(payload);
    const categoryId = await repository.mostUsedPayeeCategory(this.deps.pool, {
      userId,
      payeeName: code.name,
      payeeCity: code.city,
    });
    return { code: toBrCodeResponse(code), suggestion: { description: payeeDescription(code), category_id: categoryId } };
  }

  // Charges ("Receber via Pix") -------------------------------------------------------

  async createCharge(context: RequestContext, input: CreateChargeInput): Promise<WriteResult<PixChargeWithQrResponse>> {
    const description = input.description === undefined ? null : toPlainAscii(input.description);
    if (description !== null && !description.ok) {
      throw invalidFields([
        { field: 'body/description', message: 'has characters with no plain-letter spelling', code: 'charset' },
      ]);
    }
    return this.withTxidUnique(() =>
      idempotentWrite(this.deps, context, async (client, now) => {
        const account = await findUserAccount(client, context.userId, input.account_id);
        if (!account) throw accountNotFound();
        if (account.archived_at !== null) {
          throw new DomainError('account_archived', 422, 'This account is archived; unarchive it to receive on it.');
        }
        const key = await repository.findPixKey(client, context.userId, input.account_id);
        if (!key) {
          throw new DomainError('pix_key_missing', 422, 'Register a Pix key on this account before charging with it.', {
            account_id: input.account_id,
          });
        }
        const txid = input.txid ?? newChargeTxid();
        // Only the BR Code carries the ASCII spelling; the app keeps and shows what was typed.
        const asciiText = description?.ok && description.text.length > 0 ? description.text : null;
        const text = asciiText === null ? null : chargeDescription(input.description);
        const encoded = encodeBrCode({
          key: key.key,
          amountCents: input.amount_cents ?? null,
          name: key.merchant_name,
          city: key.merchant_city,
          txid,
          description: asciiText,
        });
        if (!encoded.ok) {
          throw invalidFields(
            encoded.errors.map((error) => ({ field: `body/${error.field}`, message: error.message, code: error.code })),
          );
        }
        const row: repository.ChargeRow = {
          id: newId(),
          user_id: context.userId,
          account_id: input.account_id,
          pix_key: key.key,
          key_type: key.key_type,
          merchant_name: key.merchant_name,
          merchant_city: key.merchant_city,
          amount_cents: input.amount_cents ?? null,
          description: text,
          txid,
          payload: encoded.payload,
          request_id: context.requestId,
          created_at: now,
          received_transaction_id: null,
        };
        await repository.insertCharge(client, row);
        return { status: 201, body: { ...toChargeResponse(row), qr_svg: await renderQrSvg(row.payload) } };
      }),
    );
  }

  /** A txid given twice (or, once in 62^22, drawn twice) is a conflict, not a 500. */
  private async withTxidUnique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (pgCode(error) === SqlState.uniqueViolation && pgConstraint(error) === 'pix_charges_user_txid_key') {
        throw new DomainError('txid_in_use', 409, 'You already have a charge with this txid.');
      }
      throw error;
    }
  }

  async listCharges(
    userId: string,
    query: ChargeListInput & { skip: number; limit: number },
  ): Promise<PageResult<PixChargeResponse>> {
    // A filter naming an account that is not the person's is 404, as a path id is.
    if (query.account_id !== undefined && !(await findUserAccount(this.deps.pool, userId, query.account_id)))
      throw notFound('account');
    const { rows, total } = await repository.listCharges(this.deps.pool, {
      userId,
      accountId: query.account_id,
      status: query.status,
      skip: query.skip,
      limit: query.limit,
    });
    return { items: rows.map(toChargeResponse), total, skip: query.skip, limit: query.limit };
  }

  async getCharge(userId: string, chargeId: string): Promise<PixChargeWithQrResponse> {
    const row = await repository.findCharge(this.deps.pool, userId, chargeId);
    if (!row) throw notFound('pix_charge');
    return { ...toChargeResponse(row), qr_svg: await renderQrSvg(row.payload) };
  }

  /**
   * Marks a charge received by posting its income, once: the check below runs under the
   * account locks, so a racing request sees the first one's income, and the charge's
   * receipt is then set by compare and set, so a second income could not take its place
   * even if the check were skipped. After an undo the charge can be received again.
   */
  async receiveCharge(context: RequestContext, chargeId: string, input: ReceiveChargeInput): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client, now) => {
      const charge = await repository.findCharge(client, context.userId, chargeId);
      if (!charge) throw notFound('pix_charge');
      const amountCents = this.receivedAmount(charge, input.amount_cents);
      const categoryId =
        input.category_id !== undefined
          ? input.category_id
          : await repository.findSystemCategoryId(client, context.userId, PIX_RECEIVED_CATEGORY);
      let seenReceiptId: string | null = null;
      const posted = await this.postEntry(client, context, {
        kind: 'income',
        accountId: charge.account_id,
        amountCents,
        description: input.description?.trim() || charge.description || CHARGE_DESCRIPTION_DEFAULT,
        categoryId,
        notes: null,
        occurredOn: occurredOn(input.occurred_on, now),
        pix: { payeeName: null, payeeCity: null, txid: charge.txid, chargeId: charge.id },
        whileLocked: async () => {
          const receipt = await repository.findChargeReceipt(client, context.userId, charge.id);
          if (receipt?.standing) throw this.alreadyReceived(receipt.receiptId);
          seenReceiptId = receipt?.receiptId ?? null;
        },
      });
      const swapped = await repository.swapChargeReceipt(client, {
        userId: context.userId,
        chargeId: charge.id,
        expectedId: seenReceiptId,
        nextId: posted.transaction.id,
      });
      if (!swapped) throw this.alreadyReceived(null);
      const receivedCharge = toChargeResponse({ ...charge, received_transaction_id: posted.transaction.id });
      return { status: 201, body: { charge: receivedCharge, ...posted } };
    });
  }

  /**
   * "Desfazer" after "Já recebi": reverses the receipt's income and returns the charge to
   * pending, so it can be received again. Undoing a charge that is not received (never, or
   * already undone) is 409 charge_not_received; a repeated request with the same
   * Idempotency-Key replays the first answer, so a double click undoes once.
   */
  async undoReceipt(context: RequestContext, chargeId: string): Promise<WriteResult<unknown>> {
    return idempotentWrite(this.deps, context, async (client) => {
      const receipt = await repository.findChargeReceipt(client, context.userId, chargeId);
      if (!receipt) throw notFound('pix_charge');
      if (!receipt.standing || receipt.receiptId === null) throw this.notReceived();
      const reversal = await reverse(client, sourceOf(context, this.deps.clock.now()), {
        originalTransactionId: receipt.receiptId,
        description: undefined,
      }).catch((error: unknown) => {
        throw error instanceof DomainError && error.code === 'already_reversed' ? this.notReceived() : error;
      });
      const swapped = await repository.swapChargeReceipt(client, {
        userId: context.userId,
        chargeId,
        expectedId: receipt.receiptId,
        nextId: null,
      });
      if (!swapped) throw this.notReceived();
      const charge = await repository.findCharge(client, context.userId, chargeId);
      assert(charge !== undefined, 'the charge read under the same transaction exists');
      return {
        status: 201,
        body: {
          charge: toChargeResponse(charge),
          transaction: postedTransactionResponse(reversal),
          account: balanceIn(reversal, charge.account_id),
        },
      };
    });
  }

  private notReceived(): DomainError {
    return new DomainError(
      'charge_not_received',
      409,
      'This charge is not marked as received (or its receipt was already undone).',
    );
  }

  private receivedAmount(charge: repository.ChargeRow, given: number | undefined): number {
    if (charge.amount_cents !== null) {
      if (given !== undefined && given !== charge.amount_cents) {
        throw new DomainError('charge_amount_fixed', 422, 'This charge has a fixed amount; it is received as it is.', {
          amount_cents: charge.amount_cents,
        });
      }
      return charge.amount_cents;
    }
    if (given === undefined) {
      throw invalidFields([
        { field: 'body/amount_cents', message: 'this charge has no amount: say how much was received', code: 'required' },
      ]);
    }
    return given;
  }

  private alreadyReceived(transactionId: string | null): DomainError {
    return new DomainError('charge_already_received', 409, 'This charge was already marked as received.', {
      transaction_id: transactionId,
    });
  }

  // Paid Pix ("Paguei um Pix") --------------------------------------------------------

  /**
   * Records a Pix the person paid as an expense. The code is read here, on the server,
   * so the payee and txid recorded are the ones the code carries; the amount is the
   * code's unless the person says what they paid (dynamic codes carry none).
   */
  async recordPayment(context: RequestContext, input: RecordPaymentInput): Promise<WriteResult<unknown>> {
    const code = parseOrReject(input.payload);
    const amountCents = input.amount_cents ?? code.amountCents;
    if (amountCents === null) {
      throw invalidFields([
        { field: 'body/amount_cents', message: 'this Pix code carries no amount: say how much was paid', code: 'required' },
      ]);
    }
    return idempotentWrite(this.deps, context, async (client, now) => {
      const categoryId =
        input.category_id !== undefined
          ? input.category_id
          : await repository.mostUsedPayeeCategory(client, {
              userId: context.userId,
              payeeName: code.name,
              payeeCity: code.city,
            });
      const posted = await this.postEntry(client, context, {
        kind: 'expense',
        accountId: input.account_id,
        amountCents,
        description: input.description?.trim() || payeeDescription(code),
        categoryId,
        notes: input.notes ?? null,
        occurredOn: occurredOn(input.occurred_on, now),
        pix: { payeeName: code.name, payeeCity: code.city, txid: code.txid, chargeId: null },
        allowNegative: input.allow_negative === true,
      });
      return { status: 201, body: posted };
    });
  }

  /** Posts an income or an expense on one of the person's accounts, as POST /api/transactions does. */
  private async postEntry(client: pg.PoolClient, context: RequestContext, entry: EntryPosting) {
    const posted = await postEntry(client, sourceOf(context, this.deps.clock.now()), entry);
    return { transaction: postedTransactionResponse(posted), account: balanceIn(posted, entry.accountId) };
  }
}
