import type pg from 'pg';
import type { Queryable } from '../../db/queryable.js';
import { anonymiseTransactions, lockAndLoadAccounts } from '../ledger/index.js';

/**
 * The privacy registry: one entry per table that holds something of a person, saying how
 * the table is exported (its columns, in the order of the JSON object and the CSV header)
 * and what a deletion of the account does to it. A new table gets one entry here, appended at
 * the end: the export walks the entries in order, the deletion in reverse order, so an entry
 * added last is erased first and may point at any table above it.
 * docs/DATA-CLASSIFICATION.md and docs/DATA-RETENTION.md say the same in words; the
 * privacy tests hold the three together.
 */

/** What every erasure step is given: who is deleted, when, and what replaces their secrets. */
export interface ErasureContext {
  userId: string;
  /** The e-mail before deletion, for rows keyed by a hash of it (rate limits). */
  email: string;
  now: Date;
  /** A hash of a random password nobody knows, so the row can never be signed in to. */
  unusablePasswordHash: string;
  /** Digests of the rate-limit keys derived from the e-mail (see src/http/rate-limit.ts). */
  rateLimitKeys: Buffer[];
}

export interface PrivacyTable {
  /** The JSON section and the ZIP's file name (without .csv). */
  name: string;
  /** The table the entry is about, as in information_schema (several entries may share one). */
  table: string;
  /** Absent: the table is not part of the export (delivery state, caches, secrets). */
  export?: {
    /** [output name, SQL expression over `from`]; timestamps through iso(). */
    columns: ReadonlyArray<readonly [string, string]>;
    /** FROM … WHERE …: $1 is the person's id. */
    from: string;
    /**
     * A unique, exactly comparable key, in the order rows are written; keyset pages
     * continue after the last key read. A text key is compared byte-wise (COLLATE "C").
     */
    key: string;
    keyType: 'uuid' | 'bigint' | 'text';
  };
  /** What deletion does; absent: the rows are kept (DATA-RETENTION.md says why). */
  erase?: (client: Queryable, context: ErasureContext) => Promise<unknown>;
}

/** An ISO 8601 UTC timestamp with microseconds, whatever the session's time zone. */
function iso(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The accounts a person sees (not the internal counterparties or goals' accounts). */
export const USER_FACING_ACCOUNT_TYPES = `('checking', 'savings', 'credit_card', 'cash', 'investment')`;

export { LEDGER_ENTRIES_COLUMNS } from '../imports/statement.js';

const deleteOwned = (table: string) => (client: Queryable, context: ErasureContext) =>
  client.query(`DELETE FROM ${table} WHERE user_id = $1`, [context.userId]);

/** Replaces every account's name by its type's, and archives them. */
const ACCOUNT_NAME_AFTER_DELETION = 'Conta excluída';
/** What a deleted person is called: nothing of theirs. */
const NAME_AFTER_DELETION = 'Pessoa excluída';

export const PRIVACY_TABLES: readonly PrivacyTable[] = [
  {
    name: 'profile',
    table: 'users',
    export: {
      columns: [
        ['id', 'id'],
        ['email', 'email'],
        ['name', 'name'],
        ['language', 'language'],
        ['created_at', iso('created_at')],
      ],
      from: 'users WHERE id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // The row stays (everything kept points at it) with nothing of the person: the e-mail
    // becomes one under the reserved .invalid domain (RFC 2606), so theirs can register anew.
    erase: (client, context) =>
      client.query(
        `UPDATE users
            SET email = 'deleted-' || id || '@deleted.invalid', name = $2, language = NULL,
                password_hash = $3, deleted_at = $4, row_version = row_version + 1
          WHERE id = $1`,
        [context.userId, NAME_AFTER_DELETION, context.unusablePasswordHash, context.now],
      ),
  },
  {
    name: 'sessions',
    table: 'sessions',
    export: {
      columns: [
        ['id', 'id'],
        ['created_at', iso('created_at')],
        ['expires_at', iso('expires_at')],
        ['last_seen_at', iso('last_seen_at')],
        ['revoked_at', iso('revoked_at')],
      ],
      from: 'sessions WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('sessions'),
  },
  {
    name: 'known_devices',
    table: 'known_devices',
    export: {
      columns: [
        ['created_at', iso('created_at')],
        ['expires_at', iso('expires_at')],
      ],
      from: 'known_devices WHERE user_id = $1',
      key: `encode(token_hash, 'hex')`,
      keyType: 'text',
    },
    erase: deleteOwned('known_devices'),
  },
  {
    // Kept after deletion for six months (Marco Civil art. 15), then purged by a job.
    name: 'access_log',
    table: 'access_log',
    export: {
      columns: [
        ['ip', 'host(ip)'],
        ['at', iso('at')],
      ],
      from: 'access_log WHERE user_id = $1',
      key: 'id',
      keyType: 'bigint',
    },
  },
  {
    name: 'accounts',
    table: 'accounts',
    export: {
      columns: [
        ['id', 'id'],
        ['name', 'name'],
        ['type', 'type'],
        ['currency', 'currency'],
        ['balance_cents', 'balance_cents'],
        ['overdraft_limit_cents', 'overdraft_limit_cents'],
        ['closing_day', 'closing_day'],
        ['due_day', 'due_day'],
        ['closing_day_purchases', 'closing_day_purchases'],
        ['archived_at', iso('archived_at')],
        ['created_at', iso('created_at')],
      ],
      from: 'accounts WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // Entries point at the accounts: they stay, named by nothing of the person's.
    erase: (client, context) =>
      client.query(
        `UPDATE accounts SET name = $2, archived_at = coalesce(archived_at, $3), row_version = row_version + 1
          WHERE user_id = $1`,
        [context.userId, ACCOUNT_NAME_AFTER_DELETION, context.now],
      ),
  },
  {
    name: 'categories',
    table: 'categories',
    export: {
      columns: [
        ['id', 'id'],
        ['name', 'name'],
        ['kind', 'kind'],
        ['system_key', 'system_key'],
        ['archived_at', iso('archived_at')],
        ['created_at', iso('created_at')],
      ],
      from: 'categories WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('categories'),
  },
  {
    name: 'pix_keys',
    table: 'pix_keys',
    export: {
      columns: [
        ['account_id', 'account_id'],
        ['key', 'key'],
        ['key_type', 'key_type'],
        ['merchant_name', 'merchant_name'],
        ['merchant_city', 'merchant_city'],
        ['created_at', iso('created_at')],
        ['updated_at', iso('updated_at')],
      ],
      from: 'pix_keys WHERE user_id = $1',
      key: 'account_id',
      keyType: 'uuid',
    },
    erase: deleteOwned('pix_keys'),
  },
  {
    name: 'pix_charges',
    table: 'pix_charges',
    export: {
      columns: [
        ['id', 'id'],
        ['account_id', 'account_id'],
        ['pix_key', 'pix_key'],
        ['key_type', 'key_type'],
        ['merchant_name', 'merchant_name'],
        ['merchant_city', 'merchant_city'],
        ['amount_cents', 'amount_cents'],
        ['description', 'description'],
        ['txid', 'txid'],
        ['payload', 'payload'],
        ['receipt_transaction_id', 'receipt_transaction_id'],
        ['created_at', iso('created_at')],
      ],
      from: 'pix_charges WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // The transactions' link to a charge is cleared first (the transactions entry, erased before).
    erase: deleteOwned('pix_charges'),
  },
  {
    name: 'goals',
    table: 'goals',
    export: {
      columns: [
        ['id', 'id'],
        ['account_id', 'account_id'],
        ['name', 'name'],
        ['target_cents', 'target_cents'],
        ['target_date', 'target_date'],
        ['icon', 'icon'],
        ['achieved_at', iso('achieved_at')],
        ['archived_at', iso('archived_at')],
        ['created_at', iso('created_at')],
      ],
      from: 'goals WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // The goal's ledger account stays (anonymised with the others); the goal itself goes.
    erase: deleteOwned('goals'),
  },
  {
    name: 'budgets',
    table: 'budgets',
    export: {
      columns: [
        ['id', 'id'],
        ['category_id', 'category_id'],
        ['month', 'month'],
        ['limit_cents', 'limit_cents'],
        ['rollover', 'rollover'],
        ['alert_thresholds', 'alert_thresholds'],
        ['created_at', iso('created_at')],
      ],
      from: 'budgets WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('budgets'),
  },
  {
    name: 'budget_alerts',
    table: 'budget_alerts',
    export: {
      columns: [
        ['budget_id', 'budget_id'],
        ['threshold', 'threshold'],
        ['created_at', iso('created_at')],
      ],
      from: 'budget_alerts WHERE user_id = $1',
      key: `budget_id::text || ':' || lpad(threshold::text, 4, '0')`,
      keyType: 'text',
    },
    erase: deleteOwned('budget_alerts'),
  },
  {
    name: 'recurring_rules',
    table: 'recurring_rules',
    export: {
      columns: [
        ['id', 'id'],
        ['type', 'type'],
        ['account_id', 'account_id'],
        ['to_account_id', 'to_account_id'],
        ['amount_cents', 'amount_cents'],
        ['description', 'description'],
        ['category_id', 'category_id'],
        ['schedule', 'schedule'],
        ['start_on', 'start_on'],
        ['end_on', 'end_on'],
        ['occurrences_max', 'occurrences_max'],
        ['schedule_from', 'schedule_from'],
        ['occurrences_before', 'occurrences_before'],
        ['paused_at', iso('paused_at')],
        ['skip_until', 'skip_until'],
        ['ended_at', iso('ended_at')],
        ['created_at', iso('created_at')],
      ],
      from: 'recurring_rules WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('recurring_rules'),
  },
  {
    name: 'recurring_occurrences',
    table: 'recurring_occurrences',
    export: {
      columns: [
        ['rule_id', 'rule_id'],
        ['occurs_on', 'occurs_on'],
        ['status', 'status'],
        ['transaction_id', 'transaction_id'],
        ['failure_code', 'failure_code'],
        ['failure_detail', 'failure_detail'],
        ['created_at', iso('created_at')],
      ],
      from: 'recurring_occurrences WHERE user_id = $1',
      key: `rule_id::text || ':' || occurs_on::text`,
      keyType: 'text',
    },
    erase: deleteOwned('recurring_occurrences'),
  },
  {
    name: 'transactions',
    table: 'transactions',
    export: {
      columns: [
        ['id', 'id'],
        ['kind', 'kind'],
        ['account_id', 'account_id'],
        ['counterparty_account_id', 'counterparty_account_id'],
        ['amount_cents', 'amount_cents'],
        ['description', 'description'],
        ['category_id', 'category_id'],
        ['notes', 'notes'],
        ['occurred_on', 'occurred_on'],
        ['reverses_transaction_id', 'reverses_transaction_id'],
        ['corrects_transaction_id', 'corrects_transaction_id'],
        ['payee_name', 'payee_name'],
        ['payee_city', 'payee_city'],
        ['pix_txid', 'pix_txid'],
        ['pix_charge_id', 'pix_charge_id'],
        ['created_at', iso('created_at')],
      ],
      from: 'transactions WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // Money columns are append-only and stay; the ledger module clears the free text.
    erase: (client, context) => anonymiseTransactions(client, context.userId),
  },
  {
    // One row per leg on the person's own accounts, oldest first (identity order), with the
    // exact header the app's own import preset reads back. Entries are never erased.
    name: 'ledger_entries',
    table: 'ledger_entries',
    export: {
      columns: [
        ['entry_id', 'e.id'],
        ['transaction_id', 'e.transaction_id'],
        ['account_id', 'e.account_id'],
        ['account_name', 'a.name'],
        ['occurred_on', 't.occurred_on'],
        ['kind', 't.kind'],
        ['description', 't.description'],
        ['category_name', 'c.name'],
        ['amount_cents', 'e.amount_cents'],
        ['balance_after_cents', 'e.balance_after_cents'],
        ['created_at', iso('e.created_at')],
      ],
      from: `ledger_entries e
               JOIN accounts a ON a.id = e.account_id AND a.user_id = e.user_id
               JOIN transactions t ON t.id = e.transaction_id AND t.user_id = e.user_id
               LEFT JOIN categories c ON c.id = t.category_id AND c.user_id = t.user_id
              WHERE e.user_id = $1 AND a.type IN ${USER_FACING_ACCOUNT_TYPES}`,
      key: 'e.id',
      keyType: 'bigint',
    },
  },
  {
    name: 'notifications',
    table: 'notifications',
    export: {
      columns: [
        ['id', 'id'],
        ['kind', 'kind'],
        ['params', 'params'],
        ['link', 'link'],
        ['in_app', 'in_app'],
        ['created_at', iso('created_at')],
        ['read_at', iso('read_at')],
      ],
      from: 'notifications WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // After email_outbox (erased before it: it is below), whose rows point here.
    erase: deleteOwned('notifications'),
  },
  { name: 'email_outbox', table: 'email_outbox', erase: deleteOwned('email_outbox') },
  {
    name: 'notification_preferences',
    table: 'notification_preferences',
    export: {
      columns: [
        ['kind', 'kind'],
        ['in_app', 'in_app'],
        ['email', 'email'],
      ],
      from: 'notification_preferences WHERE user_id = $1',
      key: 'kind',
      keyType: 'text',
    },
    erase: deleteOwned('notification_preferences'),
  },
  { name: 'insight_cache', table: 'insight_cache', erase: deleteOwned('insight_cache') },
  // Stored answers carry names, descriptions and e-mails: all of the person's go.
  { name: 'idempotency_keys', table: 'idempotency_keys', erase: deleteOwned('idempotency_keys') },
  {
    // Counters keyed by a hash of the e-mail (sign-in and sign-up attempts): the hash of an
    // address is still the address to anyone who can guess it, so they go too.
    name: 'rate_limits',
    table: 'rate_limits',
    erase: (client, context) => client.query('DELETE FROM rate_limits WHERE key = ANY ($1)', [context.rateLimitKeys]),
  },
  {
    name: 'privacy_requests',
    table: 'privacy_requests',
    export: {
      columns: [
        ['id', 'id'],
        ['kind', 'kind'],
        ['requested_at', iso('requested_at')],
        ['completed_at', iso('completed_at')],
      ],
      from: 'privacy_requests WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
  },
  {
    // The versions of the terms and the privacy policy the person accepted; personal, and
    // of no use once nobody can sign in to the account, so a deletion removes them.
    name: 'consents',
    table: 'consents',
    export: {
      columns: [
        ['id', 'id'],
        ['document', 'document'],
        ['version', 'version'],
        ['accepted_at', iso('accepted_at')],
      ],
      from: 'consents WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('consents'),
  },
  {
    // Statement imports: the file's name is the person's; the lines carry bank descriptions.
    // Their postings are transactions (kept, anonymised above); the imports themselves go.
    name: 'imports',
    table: 'imports',
    export: {
      columns: [
        ['id', 'id'],
        ['account_id', 'account_id'],
        ['status', 'status'],
        ['format', 'format'],
        ['charset', 'charset'],
        ['file_name', 'file_name'],
        ['mapping', 'mapping'],
        ['line_count', 'line_count'],
        ['new_count', 'new_count'],
        ['duplicate_count', 'duplicate_count'],
        ['skipped_count', 'skipped_count'],
        ['posted_count', 'posted_count'],
        ['created_at', iso('created_at')],
        ['posted_at', iso('posted_at')],
        ['undone_at', iso('undone_at')],
      ],
      from: 'imports WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    // After its lines and keys (erased before it: they are below).
    erase: deleteOwned('imports'),
  },
  {
    name: 'import_lines',
    table: 'import_lines',
    export: {
      columns: [
        ['import_id', 'import_id'],
        ['position', 'position'],
        ['line', 'line'],
        ['occurred_on', "to_char(occurred_on, 'YYYY-MM-DD')"],
        ['description', 'description'],
        ['amount_cents', 'amount_cents'],
        ['category_id', 'category_id'],
        ['duplicate_of', 'duplicate_of'],
        ['transaction_id', 'transaction_id'],
      ],
      from: 'import_lines WHERE user_id = $1',
      // Fixed-width position, so the text key sorts as the file did.
      key: "import_id::text || ':' || lpad(position::text, 6, '0')",
      keyType: 'text',
    },
    erase: deleteOwned('import_lines'),
  },
  // Which bank ids and content hashes were already posted: derived from the lines, not exported.
  { name: 'import_dedupe', table: 'import_dedupe', erase: deleteOwned('import_dedupe') },
  {
    name: 'import_mappings',
    table: 'import_mappings',
    export: {
      columns: [
        ['account_id', 'account_id'],
        ['mapping', 'mapping'],
        ['updated_at', iso('updated_at')],
      ],
      from: 'import_mappings WHERE user_id = $1',
      key: 'account_id',
      keyType: 'uuid',
    },
    erase: deleteOwned('import_mappings'),
  },
  {
    name: 'import_rules',
    table: 'import_rules',
    export: {
      columns: [
        ['id', 'id'],
        ['pattern', 'pattern'],
        ['category_id', 'category_id'],
        ['created_at', iso('created_at')],
      ],
      from: 'import_rules WHERE user_id = $1',
      key: 'id',
      keyType: 'uuid',
    },
    erase: deleteOwned('import_rules'),
  },
  // Credit cards (cards_v1): how the card's movements are cut into bills. The movements
  // themselves are transactions (kept, anonymised above); these rows only say which bill each
  // part is on, which nobody reads once the account is gone, so they go.
  {
    name: 'card_schedules',
    table: 'card_schedules',
    export: {
      columns: [
        ['account_id', 'account_id'],
        ['starts_month', "to_char(starts_month, 'YYYY-MM')"],
        ['closing_day', 'closing_day'],
        ['due_day', 'due_day'],
        ['closing_day_purchases', 'closing_day_purchases'],
      ],
      from: 'card_schedules WHERE user_id = $1',
      key: "account_id::text || ':' || to_char(starts_month, 'YYYY-MM')",
      keyType: 'text',
    },
    erase: deleteOwned('card_schedules'),
  },
  {
    name: 'card_installments',
    table: 'card_installments',
    export: {
      columns: [
        ['transaction_id', 'transaction_id'],
        ['account_id', 'account_id'],
        ['number', 'number'],
        ['count', 'count'],
        ['amount_cents', 'amount_cents'],
        ['bill_month', "to_char(bill_month, 'YYYY-MM')"],
        ['moved_to_month', "to_char(moved_to_month, 'YYYY-MM')"],
        ['moved_by_transaction_id', 'moved_by_transaction_id'],
        ['moved_reason', 'moved_reason'],
      ],
      from: 'card_installments WHERE user_id = $1',
      // Fixed-width number, so the text key sorts the installments of a purchase in order.
      key: "transaction_id::text || ':' || lpad(number::text, 2, '0')",
      keyType: 'text',
    },
    erase: deleteOwned('card_installments'),
  },
  {
    name: 'card_refunds',
    table: 'card_refunds',
    export: {
      columns: [
        ['transaction_id', 'transaction_id'],
        ['account_id', 'account_id'],
        ['purchase_transaction_id', 'purchase_transaction_id'],
        ['scope', 'scope'],
      ],
      from: 'card_refunds WHERE user_id = $1',
      key: 'transaction_id',
      keyType: 'uuid',
    },
    erase: deleteOwned('card_refunds'),
  },
  {
    name: 'card_payments',
    table: 'card_payments',
    export: {
      columns: [
        ['transaction_id', 'transaction_id'],
        ['account_id', 'account_id'],
        ['bill_month', "to_char(bill_month, 'YYYY-MM')"],
      ],
      from: 'card_payments WHERE user_id = $1',
      key: 'transaction_id',
      keyType: 'uuid',
    },
    erase: deleteOwned('card_payments'),
  },
];

export type ExportSpec = NonNullable<PrivacyTable['export']>;
export type CsvRow = Array<string | null>;

function keysetSql(spec: ExportSpec, select: string): string {
  const key = spec.keyType === 'text' ? `(${spec.key}) COLLATE "C"` : `(${spec.key})`;
  return `SELECT (${spec.key})::text AS cursor, ${select}
            FROM ${spec.from}
             AND ($2::${spec.keyType} IS NULL OR ${key} > $2::${spec.keyType})
           ORDER BY ${key}
           LIMIT $3`;
}

/** One page of a table's rows as JSON object texts, after `after` (a key as text). */
export async function jsonPage(
  client: Queryable,
  spec: ExportSpec,
  options: { userId: string; after: string | null; limit: number },
): Promise<{ cursor: string; doc: string }[]> {
  const object = spec.columns.map(([name, expression]) => `'${name}', ${expression}`).join(', ');
  const result = await client.query<{ cursor: string; doc: string }>(
    keysetSql(spec, `json_build_object(${object})::text AS doc`),
    [options.userId, options.after, options.limit],
  );
  return result.rows;
}

/** One page of a table's rows as text cells in column order (NULL as null). */
export async function csvPage(
  client: Queryable,
  spec: ExportSpec,
  options: { userId: string; after: string | null; limit: number },
): Promise<{ cursor: string; cells: CsvRow }[]> {
  const cells = spec.columns.map(([, expression]) => `(${expression})::text`).join(', ');
  const result = await client.query<{ cursor: string; cells: CsvRow }>(keysetSql(spec, `ARRAY[${cells}] AS cells`), [
    options.userId,
    options.after,
    options.limit,
  ]);
  return result.rows;
}

/** The person's row, locked for the deletion: the password hash, the e-mail and whether it was already deleted. */
/**
 * Locks every account of the person (their own and the internal ones) the way the ledger does,
 * advisory locks in ascending order and then the rows, so a posting already under way (another
 * tab, a job) commits first and none starts until the deletion is done: the deletion then
 * anonymises every transaction there will ever be. Taken before the person's row, in the order
 * a posting takes them (accounts, then the person's row by its foreign keys), so the two never
 * wait on each other in a cycle.
 */
export async function lockAccountsOf(client: pg.PoolClient, userId: string): Promise<void> {
  const result = await client.query<{ id: string }>('SELECT id FROM accounts WHERE user_id = $1', [userId]);
  if (result.rows.length > 0)
    await lockAndLoadAccounts(
      client,
      userId,
      result.rows.map((row) => row.id),
    );
}

export async function lockPerson(
  client: Queryable,
  userId: string,
): Promise<{ email: string; passwordHash: string; deletedAt: Date | null } | undefined> {
  const result = await client.query<{ email: string; passwordHash: string; deletedAt: Date | null }>(
    `SELECT email, password_hash AS "passwordHash", deleted_at AS "deletedAt" FROM users WHERE id = $1 FOR UPDATE`,
    [userId],
  );
  return result.rows[0];
}

/** Lets this transaction anonymise the person's transactions (migration 20261204001000_privacy.sql). */
export async function allowAnonymisation(client: Queryable, userId: string): Promise<void> {
  await client.query(`SELECT set_config('vai_de_pix.anonymising_user', $1, true)`, [userId]);
}

export async function insertPrivacyRequest(
  client: Queryable,
  row: { id: string; userId: string; kind: 'export' | 'deletion'; requestedAt: Date; completedAt: Date },
): Promise<void> {
  await client.query(`INSERT INTO privacy_requests (id, user_id, kind, requested_at, completed_at) VALUES ($1, $2, $3, $4, $5)`, [
    row.id,
    row.userId,
    row.kind,
    row.requestedAt,
    row.completedAt,
  ]);
}

/** Access-log lines older than `before`, at most `batchMax` of them, oldest first. */
export async function purgeAccessLog(client: Queryable, options: { before: Date; batchMax: number }): Promise<number> {
  const result = await client.query(
    `DELETE FROM access_log WHERE id = ANY (ARRAY(
       SELECT id FROM access_log WHERE at < $1 ORDER BY at LIMIT $2))`,
    [options.before, options.batchMax],
  );
  return result.rowCount ?? 0;
}
