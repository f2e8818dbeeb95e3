import type { Queryable } from '../../db/queryable.js';
import type { PixKeyType } from './pix-keys.js';

export interface PixKeyRow {
  account_id: string;
  user_id: string;
  key: string;
  key_type: PixKeyType;
  merchant_name: string;
  merchant_city: string;
  row_version: number;
  created_at: Date;
  updated_at: Date;
}

export interface ChargeRow {
  id: string;
  user_id: string;
  account_id: string;
  pix_key: string;
  key_type: PixKeyType;
  merchant_name: string;
  merchant_city: string;
  amount_cents: number | null;
  description: string | null;
  txid: string;
  payload: string;
  request_id: string | null;
  created_at: Date;
  received_transaction_id: string | null;
}

/**
 * The category guess looks at this many of the person's latest expenses with the payee,
 * so a payee paid every day for years costs no more than one paid a few times.
 */
export const PAYEE_HISTORY_MAX = 200;

const KEY_COLUMNS = 'account_id, user_id, key, key_type, merchant_name, merchant_city, row_version, created_at, updated_at';

export async function findUserName(client: Queryable, userId: string): Promise<string> {
  const result = await client.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [userId]);
  return result.rows[0]?.name ?? '';
}

export async function findPixKey(client: Queryable, userId: string, accountId: string): Promise<PixKeyRow | undefined> {
  const result = await client.query<PixKeyRow>(`SELECT ${KEY_COLUMNS} FROM pix_keys WHERE user_id = $1 AND account_id = $2`, [
    userId,
    accountId,
  ]);
  return result.rows[0];
}

/** Sets the account's key, or replaces it (bumping row_version). */
export async function upsertPixKey(
  client: Queryable,
  row: Pick<PixKeyRow, 'account_id' | 'user_id' | 'key' | 'key_type' | 'merchant_name' | 'merchant_city'> & { now: Date },
): Promise<PixKeyRow> {
  const result = await client.query<PixKeyRow>(
    `INSERT INTO pix_keys (account_id, user_id, key, key_type, merchant_name, merchant_city, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (account_id) DO UPDATE
       SET key = EXCLUDED.key, key_type = EXCLUDED.key_type, merchant_name = EXCLUDED.merchant_name,
           merchant_city = EXCLUDED.merchant_city, updated_at = EXCLUDED.updated_at, row_version = pix_keys.row_version + 1
       WHERE pix_keys.user_id = EXCLUDED.user_id
     RETURNING ${KEY_COLUMNS}`,
    [row.account_id, row.user_id, row.key, row.key_type, row.merchant_name, row.merchant_city, row.now],
  );
  return result.rows[0] as PixKeyRow;
}

export async function deletePixKey(client: Queryable, userId: string, accountId: string): Promise<boolean> {
  const result = await client.query('DELETE FROM pix_keys WHERE user_id = $1 AND account_id = $2', [userId, accountId]);
  return result.rowCount === 1;
}

export async function findAccountWithKey(client: Queryable, userId: string, key: string): Promise<string | undefined> {
  const result = await client.query<{ account_id: string }>('SELECT account_id FROM pix_keys WHERE user_id = $1 AND key = $2', [
    userId,
    key,
  ]);
  return result.rows[0]?.account_id;
}

export async function listPixKeys(
  client: Queryable,
  options: { userId: string; skip: number; limit: number },
): Promise<{ rows: PixKeyRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    client.query<PixKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM pix_keys WHERE user_id = $1 ORDER BY created_at DESC, account_id DESC LIMIT $2 OFFSET $3`,
      [options.userId, options.limit, options.skip],
    ),
    client.query<{ n: number }>('SELECT count(*)::int AS n FROM pix_keys WHERE user_id = $1', [options.userId]),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

const SELECT_CHARGE = `
  SELECT c.id, c.user_id, c.account_id, c.pix_key, c.key_type, c.merchant_name, c.merchant_city, c.amount_cents,
         c.description, c.txid, c.payload, c.request_id, c.created_at,
         CASE WHEN r.id IS NULL THEN c.receipt_transaction_id END AS received_transaction_id
    FROM pix_charges c
    LEFT JOIN transactions r ON r.reverses_transaction_id = c.receipt_transaction_id`;

export async function insertCharge(client: Queryable, row: Omit<ChargeRow, 'received_transaction_id'>): Promise<void> {
  await client.query(
    `INSERT INTO pix_charges (id, user_id, account_id, pix_key, key_type, merchant_name, merchant_city, amount_cents,
       description, txid, payload, request_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      row.id,
      row.user_id,
      row.account_id,
      row.pix_key,
      row.key_type,
      row.merchant_name,
      row.merchant_city,
      row.amount_cents,
      row.description,
      row.txid,
      row.payload,
      row.request_id,
      row.created_at,
    ],
  );
}

export async function findCharge(client: Queryable, userId: string, chargeId: string): Promise<ChargeRow | undefined> {
  const result = await client.query<ChargeRow>(`${SELECT_CHARGE} WHERE c.user_id = $1 AND c.id = $2`, [userId, chargeId]);
  return result.rows[0];
}

export async function listCharges(
  client: Queryable,
  filter: {
    userId: string;
    accountId?: string | undefined;
    status?: 'pending' | 'received' | undefined;
    skip: number;
    limit: number;
  },
): Promise<{ rows: ChargeRow[]; total: number }> {
  const where = `c.user_id = $1
    AND ($2::uuid IS NULL OR c.account_id = $2)
    AND ($3::text IS NULL OR ($3 = 'received') = (c.receipt_transaction_id IS NOT NULL AND r.id IS NULL))`;
  const parameters = [filter.userId, filter.accountId ?? null, filter.status ?? null];
  const [rows, total] = await Promise.all([
    client.query<ChargeRow>(`${SELECT_CHARGE} WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT $4 OFFSET $5`, [
      ...parameters,
      filter.limit,
      filter.skip,
    ]),
    client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pix_charges c
         LEFT JOIN transactions r ON r.reverses_transaction_id = c.receipt_transaction_id WHERE ${where}`,
      parameters,
    ),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * The charge's current receipt as stored (`receipt_transaction_id`, possibly an income that
 * has since been reversed on its own) and whether that income still stands.
 */
export async function findChargeReceipt(
  client: Queryable,
  userId: string,
  chargeId: string,
): Promise<{ receiptId: string | null; standing: boolean } | undefined> {
  const result = await client.query<{ receipt_id: string | null; standing: boolean }>(
    `SELECT c.receipt_transaction_id AS receipt_id, (c.receipt_transaction_id IS NOT NULL AND r.id IS NULL) AS standing
       FROM pix_charges c
       LEFT JOIN transactions r ON r.reverses_transaction_id = c.receipt_transaction_id
      WHERE c.user_id = $1 AND c.id = $2`,
    [userId, chargeId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : { receiptId: row.receipt_id, standing: row.standing };
}

/**
 * Points the charge at another receipt (or none) if it still names the one the caller read:
 * a compare and set, so of two racing writers only one changes it. False when it did not.
 */
export async function swapChargeReceipt(
  client: Queryable,
  change: { userId: string; chargeId: string; expectedId: string | null; nextId: string | null },
): Promise<boolean> {
  const result = await client.query(
    `UPDATE pix_charges SET receipt_transaction_id = $4
      WHERE user_id = $1 AND id = $2 AND receipt_transaction_id IS NOT DISTINCT FROM $3::uuid`,
    [change.userId, change.chargeId, change.expectedId, change.nextId],
  );
  return result.rowCount === 1;
}

/**
 * The category the person uses most for a payee (same name and city) among their latest
 * expenses with it; ties go to the one used most recently. Reversed expenses (mistakes)
 * and archived categories do not count.
 */
export async function mostUsedPayeeCategory(
  client: Queryable,
  options: { userId: string; payeeName: string; payeeCity: string | null },
): Promise<string | null> {
  const result = await client.query<{ category_id: string }>(
    `SELECT recent.category_id
       FROM (SELECT t.category_id, t.created_at
               FROM transactions t
              WHERE t.user_id = $1 AND t.payee_name = $2 AND t.payee_city IS NOT DISTINCT FROM $3
                AND t.kind = 'expense' AND t.category_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
              ORDER BY t.created_at DESC
              LIMIT $4) recent
       JOIN categories c ON c.id = recent.category_id AND c.user_id = $1 AND c.archived_at IS NULL
      GROUP BY recent.category_id
      ORDER BY count(*) DESC, max(recent.created_at) DESC, recent.category_id
      LIMIT 1`,
    [options.userId, options.payeeName, options.payeeCity, PAYEE_HISTORY_MAX],
  );
  return result.rows[0]?.category_id ?? null;
}

/** One of the person's default categories by its system key, when it is in use. */
export async function findSystemCategoryId(client: Queryable, userId: string, systemKey: string): Promise<string | null> {
  const result = await client.query<{ id: string }>(
    'SELECT id FROM categories WHERE user_id = $1 AND system_key = $2 AND archived_at IS NULL',
    [userId, systemKey],
  );
  return result.rows[0]?.id ?? null;
}
