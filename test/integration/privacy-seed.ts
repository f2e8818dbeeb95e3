import type pg from 'pg';
import { encodeBrCode } from '../../src/modules/pix/brcode.js';
import { TERMS_VERSION } from '../../src/modules/privacy/consents.js';
import { clientFor, PASSWORD, registerUser, type TestApp } from '../helpers/app.js';
import { expectStatus } from '../helpers/problem.js';
import { ofx, upload } from './imports-support.js';

/** A CPF with valid check digits (a made-up one), as the Pix key of the seeded person. */
export const SEED_CPF = '529.982.247-25';

export interface SeededPerson {
  id: string;
  email: string;
  name: string;
  token: string;
  marker: string;
  client: ReturnType<typeof clientFor>;
  checkingId: string;
  cashId: string;
}

/** A short upper-case marker (letters only: Pix merchant fields and txids take no digits' worth of anything else). */
export function newMarker(prefix: string): string {
  const letters = Array.from({ length: 6 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('');
  return `${prefix}${letters}`;
}

async function seedThroughApi(t: TestApp, person: SeededPerson): Promise<void> {
  const { client, marker } = person;
  expectStatus(await client.patch('/api/me', { language: 'en', row_version: 1 }), 200);
  expectStatus(await client.post('/api/privacy/consents', { document: 'terms', version: TERMS_VERSION }), 201);
  const category = expectStatus(await client.post('/api/categories', { name: `Cat ${marker}`, kind: 'expense' }), 201).json();
  expectStatus(
    await client.post(
      '/api/transactions',
      {
        account_id: person.checkingId,
        type: 'expense',
        amount_cents: 500,
        description: `Desc ${marker}`,
        notes: `Nota ${marker}`,
        category_id: category.id,
      },
      { 'idempotency-key': `key-${marker}` },
    ),
    201,
  );
  expectStatus(
    await client.post('/api/transfers', {
      from_account_id: person.checkingId,
      to_account_id: person.cashId,
      amount_cents: 1_000,
    }),
    201,
  );
  expectStatus(
    await client.put(`/api/accounts/${person.checkingId}/pix-key`, {
      key: SEED_CPF,
      merchant_name: `M ${marker}`,
      merchant_city: `C ${marker}`,
    }),
    200,
  );
  const charge = expectStatus(
    await client.post('/api/pix/charges', {
      account_id: person.checkingId,
      amount_cents: 2_000,
      description: `Cobr ${marker}`,
      txid: `TX${marker}`,
    }),
    201,
  ).json();
  expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201);
  const brCode = encodeBrCode({
    key: '+5511987654321',
    name: `Pay ${marker}`,
    city: `Cid ${marker}`,
    amountCents: 300,
    txid: `PT${marker}`,
  });
  if (!brCode.ok) throw new Error(JSON.stringify(brCode.errors));
  expectStatus(await client.post('/api/pix/payments', { account_id: person.checkingId, payload: brCode.payload }), 201);
  const goal = expectStatus(await client.post('/api/goals', { name: `Meta ${marker}`, target_cents: 100_000 }), 201).json();
  expectStatus(
    await client.post(`/api/goals/${goal.id}/contributions`, { from_account_id: person.checkingId, amount_cents: 700 }),
    201,
  );
  expectStatus(await client.put(`/api/budgets/2026-12/${category.id}`, { limit_cents: 10_000 }), 201);
  expectStatus(
    await client.post('/api/recurring', {
      account_id: person.checkingId,
      type: 'expense',
      amount_cents: 900,
      description: `Rec ${marker}`,
      schedule: { kind: 'monthly', day: 5 },
      start_on: '2027-01-05',
    }),
    201,
  );
  expectStatus(
    await client.put('/api/notifications/preferences', {
      items: [
        { kind: 'budget_alert', in_app: true, email: true },
        { kind: 'weekly_summary', in_app: false, email: true },
      ],
    }),
    200,
  );
  await seedCard(person, category.id);
  await seedImports(t, person, category.id);
  // A second sign-in: another session, another access-log line.
  expectStatus(
    await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: person.email, password: PASSWORD } }),
    200,
  );
}

/**
 * A credit card with its days (card_schedules), a purchase in 12 installments brought forward
 * in part with a discount (card_installments, card_refunds), a purchase whose remaining
 * installments are refunded, and a payment that names its bill (card_payments).
 */
async function seedCard(person: SeededPerson, categoryId: string): Promise<void> {
  const { client, marker } = person;
  const card = await client.account({
    name: `Cartão ${marker}`,
    type: 'credit_card',
    credit_limit_cents: 1_000_000,
    closing_day: 3,
    due_day: 10,
  });
  const purchase = (body: Record<string, unknown>) =>
    client.post('/api/transactions', { account_id: card.id, type: 'expense', category_id: categoryId, ...body });
  const fridge = expectStatus(
    await purchase({ amount_cents: 120_000, description: `Geladeira ${marker}`, installments: 12 }),
    201,
  );
  const fridgeId = fridge.json().transaction.id as string;
  expectStatus(await client.post(`/api/transactions/${fridgeId}/anticipate`, { count: 2, discount_cents: 500 }), 201);
  const shoes = expectStatus(await purchase({ amount_cents: 30_000, description: `Tênis ${marker}`, installments: 3 }), 201);
  expectStatus(
    await client.post(`/api/transactions/${shoes.json().transaction.id}/refund`, {
      scope: 'remaining',
      description: `Estorno ${marker}`,
    }),
    201,
  );
  const installments = expectStatus(await client.get(`/api/transactions/${fridgeId}/installments`), 200).json();
  expectStatus(
    await client.post('/api/transfers', {
      from_account_id: person.checkingId,
      to_account_id: card.id,
      amount_cents: 5_000,
      bill_id: installments.items[0].bill_id,
      description: `Pagamento ${marker}`,
    }),
    201,
  );
}

/** A confirmed OFX import (imports, lines, dedupe keys), a CSV preview (the remembered mapping) and a rule. */
async function seedImports(t: TestApp, person: SeededPerson, categoryId: string): Promise<void> {
  const { client, marker, token } = person;
  const statement = ofx([{ date: '2026-11-10', amount: '-12.34', memo: `Imp ${marker}`, fitid: `F${marker}` }]);
  const preview = expectStatus(
    await upload(t.app, token, { accountId: person.checkingId, file: statement, filename: `extrato-${marker}.ofx` }),
    201,
  ).json();
  expectStatus(await client.post(`/api/imports/${preview.id}/confirm`, {}, { 'idempotency-key': `imp-${marker}` }), 201);
  const csv = `Data,Valor,Identificador,Descrição\n10/11/2026,-5.00,${marker}-1,Csv ${marker}\n`;
  expectStatus(await upload(t.app, token, { accountId: person.cashId, file: csv, filename: `nubank-${marker}.csv` }), 201);
  expectStatus(await client.post('/api/imports/rules', { pattern: `Imp ${marker}`, category_id: categoryId }), 201);
}

/** The rows only jobs write (notifications, e-mails, alerts, caches, snapshots, findings), inserted directly. */
async function seedJobRows(pool: pg.Pool, person: SeededPerson): Promise<void> {
  const { id, marker } = person;
  const notification = (
    await pool.query(
      `INSERT INTO notifications (id, user_id, kind, dedupe_key, params, link, created_at)
       VALUES (gen_random_uuid(), $1, 'budget_alert', $2, $3, '/orcamentos', now()) RETURNING id`,
      [id, `alert-${marker}`, JSON.stringify({ category_name: `Cat ${marker}` })],
    )
  ).rows[0].id;
  await pool.query(
    `INSERT INTO email_outbox (id, user_id, notification_id, next_attempt_at, last_error, created_at)
     VALUES (gen_random_uuid(), $1, $2, now(), $3, now())`,
    [id, notification, `550 no mailbox ${person.email}`],
  );
  await pool.query(
    `INSERT INTO budget_alerts (budget_id, threshold, user_id) SELECT id, 80, user_id FROM budgets WHERE user_id = $1`,
    [id],
  );
  await pool.query(
    `INSERT INTO insight_cache (user_id, kind, period, payload, computed_at, stale) VALUES ($1, 'month', '2026-12', $2, now(), false)`,
    [id, JSON.stringify({ top: `Cat ${marker}` })],
  );
  await pool.query(
    `INSERT INTO recurring_occurrences (rule_id, occurs_on, user_id, status, failure_code, failure_detail)
     SELECT id, '2027-01-05', user_id, 'failed', 'insufficient_funds', $2 FROM recurring_rules WHERE user_id = $1`,
    [id, `Rec ${marker} failed`],
  );
  await pool.query(
    `INSERT INTO account_balance_snapshots (account_id, user_id, as_of, balance_cents, entry_count, created_at)
     SELECT id, user_id, '2026-11-01T03:00:00Z', 0, 0, now() FROM accounts WHERE id = $1`,
    [person.cashId],
  );
  await pool.query(
    `INSERT INTO reconcile_findings (account_id, user_id, found_at, cached_balance_cents, ledger_balance_cents, snapshot_balance_cents)
     VALUES ($1, $2, now(), 1, 0, 0)`,
    [person.cashId, id],
  );
}

/**
 * A person with rows in every table that holds people's rows, each free-text field carrying
 * `marker`, so a later search for it finds whatever was left of them.
 */
export async function seedEverything(t: TestApp, prefix: string): Promise<SeededPerson> {
  const marker = newMarker(prefix);
  const email = `${marker.toLowerCase()}@example.com`;
  const name = `Fulana ${marker}`;
  const registered = await registerUser(t.app, { email, name });
  const client = clientFor(t.app, registered.token);
  const checking = await client.account({ name: `Conta ${marker}`, type: 'checking', initial_balance_cents: 100_000 });
  const cash = await client.account({ name: `Bolso ${marker}`, type: 'cash' });
  const person: SeededPerson = {
    id: registered.user.id,
    email,
    name,
    token: registered.token,
    marker,
    client,
    checkingId: checking.id,
    cashId: cash.id,
  };
  await seedThroughApi(t, person);
  await seedJobRows(t.pool, person);
  // An export: a privacy_requests row.
  expectStatus(await client.get('/api/privacy/export'), 200);
  return person;
}
