import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { encodeBrCode, parseBrCode } from '../../src/modules/pix/brcode.js';
import { crc16Hex } from '../../src/modules/pix/crc16.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { decodeQrSvg } from '../helpers/qr.js';

const clock = fixedClock('2026-05-04T15:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
});
afterAll(async () => {
  await t?.close();
});

const MANUAL_STATIC =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';
const MANUAL_DYNAMIC =
  '00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd4415204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***630464E4';

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

function put(_client: Client, token: string, url: string, payload: unknown) {
  return t.app.inject({ method: 'PUT', url, headers: { authorization: `Bearer ${token}` }, payload: payload as object });
}

/** A paid Pix as a shop would print it: the payee's code, with amount and txid. */
function shopCode(options: { name: string; city: string; amountCents?: number; txid?: string }): string {
  const encoded = encodeBrCode({ key: '+5511987654321', ...options });
  if (!encoded.ok) throw new Error(JSON.stringify(encoded.errors));
  return encoded.payload;
}

async function counts() {
  const result = await t.pool.query(
    `SELECT (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM pix_charges)::int AS charges,
            (SELECT count(*) FROM pix_keys)::int AS keys`,
  );
  return result.rows[0];
}

async function personWithKey(name = 'Maria da Conceição Gonçalves Sobrinho') {
  const person = await signedIn(t.app, name);
  const account = await person.client.account({ name: 'Nubank', type: 'checking', initial_balance_cents: 10_000 });
  const response = await put(person.client, person.token, `/api/accounts/${account.id}/pix-key`, {
    key: '529.982.247-25',
    merchant_city: 'São Paulo',
  });
  expect(response.statusCode, response.body).toBe(200);
  return { ...person, account };
}

describe('Pix keys on accounts', () => {
  it('normalises a formatted key, names the receiver after the person (plain ASCII, shortened), and replaces it', async () => {
    const { client, token, account } = await personWithKey();
    const keys = (await client.get('/api/pix/keys')).json();
    expect(keys).toMatchObject({ total: 1, skip: 0, limit: 50 });
    expect(keys.items[0]).toMatchObject({
      account_id: account.id,
      key: '52998224725',
      type: 'cpf',
      merchant_name: 'Maria da Conceicao Goncal',
      merchant_city: 'Sao Paulo',
      row_version: 1,
    });
    const replaced = await put(client, token, `/api/accounts/${account.id}/pix-key`, {
      key: '(11) 98765-4321',
      merchant_name: 'Maria Gonçalves',
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      key: '+5511987654321',
      type: 'phone',
      merchant_name: 'Maria Goncalves',
      merchant_city: 'Sao Paulo',
      row_version: 2,
    });
  });

  it('refuses an invalid key with a field error, and one key on two accounts with 409', async () => {
    const { client, token, account } = await personWithKey();
    const before = await counts();
    const invalid = await put(client, token, `/api/accounts/${account.id}/pix-key`, { key: '123.456.789-00' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors).toEqual([expect.objectContaining({ field: 'body/key', code: 'pix_key' })]);
    const other = await client.account({ name: 'Itaú', type: 'savings' });
    const taken = await put(client, token, `/api/accounts/${other.id}/pix-key`, { key: '52998224725' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'pix_key_in_use', account_id: account.id });
    const longName = await put(client, token, `/api/accounts/${other.id}/pix-key`, {
      key: 'maria@example.com',
      merchant_name: 'Maria da Conceição Gonçalves Sobrinho',
    });
    expect(longName.statusCode).toBe(400);
    expect(longName.json().errors[0]).toMatchObject({ field: 'body/merchant_name', code: 'maxLength' });
    expect(await counts()).toEqual(before);
  });

  it('removes a key', async () => {
    const { client, token, account } = await personWithKey();
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/accounts/${account.id}/pix-key`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(removed.statusCode).toBe(204);
    expect((await client.get('/api/pix/keys')).json().total).toBe(0);
    expectProblem(await client.post('/api/pix/charges', { account_id: account.id }), 422, 'pix_key_missing');
  });
});

describe('POST /api/pix/keys/validate', () => {
  it.each([
    ['529.982.247-25', { valid: true, type: 'cpf', normalized: '52998224725', reason: null }],
    ['123.456.789-00', { valid: false, type: 'cpf', normalized: null, reason: 'check_digits' }],
    ['111.111.111-11', { valid: false, type: 'cpf', normalized: null, reason: 'repeated_digits' }],
    ['11.222.333/0001-81', { valid: true, type: 'cnpj', normalized: '11222333000181', reason: null }],
    ['12.ABC.345/01DE-35', { valid: true, type: 'cnpj', normalized: '12ABC34501DE35', reason: null }],
    ['12ABC34501DE99', { valid: false, type: 'cnpj', normalized: null, reason: 'check_digits' }],
    ['(11) 98765-4321', { valid: true, type: 'phone', normalized: '+5511987654321', reason: null }],
    ['Fulano@Example.com', { valid: true, type: 'email', normalized: 'fulano@example.com', reason: null }],
    ['banana', { valid: false, type: null, normalized: null, reason: 'unrecognized' }],
  ])('%s', async (key, expected) => {
    const { client } = await signedIn(t.app);
    const response = await client.post('/api/pix/keys/validate', { key });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(expected);
  });
});

describe('Receber via Pix: charges', () => {
  it('builds the BR Code for the account key, stores it, and returns a QR that decodes to it', async () => {
    const { client, account } = await personWithKey();
    const response = await client.post(
      '/api/pix/charges',
      { account_id: account.id, amount_cents: 123_456, description: 'Bolo de aniversário', txid: 'BOLO2026' },
      { 'idempotency-key': 'charge-1' },
    );
    expect(response.statusCode, response.body).toBe(201);
    const charge = response.json();
    expect(charge).toMatchObject({
      account_id: account.id,
      key: '52998224725',
      key_type: 'cpf',
      amount_cents: 123_456,
      // The app keeps the accents; only the BR Code payload below is ASCII.
      description: 'Bolo de aniversário',
      txid: 'BOLO2026',
      status: 'pending',
      received_transaction_id: null,
      created_at: '2026-05-04T15:00:00.000Z',
    });
    const parsed = parseBrCode(charge.payload);
    expect(parsed.ok && parsed.code).toMatchObject({
      type: 'static',
      key: '52998224725',
      amountCents: 123_456,
      name: 'Maria da Conceicao Goncal',
      city: 'Sao Paulo',
      txid: 'BOLO2026',
      description: 'Bolo de aniversario',
    });
    expect(decodeQrSvg(charge.qr_svg)).toBe(charge.payload);

    // The same Idempotency-Key replays the answer instead of making a second charge.
    const replay = await client.post(
      '/api/pix/charges',
      { account_id: account.id, amount_cents: 123_456, description: 'Bolo de aniversário', txid: 'BOLO2026' },
      { 'idempotency-key': 'charge-1' },
    );
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(charge.id);

    const list = (await client.get('/api/pix/charges')).json();
    expect(list).toMatchObject({ total: 1, items: [{ id: charge.id, payload: charge.payload, status: 'pending' }] });
    expect(list.items[0].qr_svg).toBeUndefined();
    const one = (await client.get(`/api/pix/charges/${charge.id}`)).json();
    expect(decodeQrSvg(one.qr_svg)).toBe(charge.payload);
  });

  it('makes up a txid when none is given, and refuses one used before', async () => {
    const { client, account } = await personWithKey();
    const open = expectStatus(await client.post('/api/pix/charges', { account_id: account.id }), 201).json();
    expect(open.txid).toMatch(/^VDP[A-Za-z0-9]{22}$/);
    expect(open.amount_cents).toBeNull();
    expect(parseBrCode(open.payload).ok).toBe(true);
    const again = await client.post('/api/pix/charges', { account_id: account.id, txid: open.txid });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('txid_in_use');
  });

  it('asks for a Pix key on the account first', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Sem chave', type: 'checking' });
    const response = await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 100 });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'pix_key_missing', account_id: account.id });
  });

  it('says how long the description may be beside a long key', async () => {
    const { client, token } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking' });
    const email = `${'a'.repeat(50)}@example.com`;
    expect((await put(client, token, `/api/accounts/${account.id}/pix-key`, { key: email })).statusCode).toBe(200);
    const response = await client.post('/api/pix/charges', { account_id: account.id, description: 'x'.repeat(20) });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'body/description', code: 'too_long' });
  });
});

describe('marking a charge received', () => {
  it('posts the income exactly once when 10 requests race', async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(
      await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 2_500 }),
      201,
    ).json();
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.post(`/api/pix/charges/${charge.id}/receive`)));
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    for (const refused of responses.filter((response) => response.statusCode === 409)) {
      expect(refused.json().code).toBe('charge_already_received');
    }
    const received = responses.find((response) => response.statusCode === 201)?.json();
    const pixReceived = await client.category('income', 'pix_received');
    expect(received).toMatchObject({
      charge: { id: charge.id, status: 'received' },
      transaction: {
        kind: 'income',
        amount_cents: 2_500,
        description: 'Pix recebido',
        category_id: pixReceived,
        pix_txid: charge.txid,
        pix_charge_id: charge.id,
        occurred_on: '2026-05-04',
      },
      account: { id: account.id, balance_cents: 12_500 },
    });
    expect(received.charge.received_transaction_id).toBe(received.transaction.id);
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(12_500);
    const rows = await t.pool.query('SELECT count(*)::int AS n FROM transactions WHERE pix_charge_id = $1', [charge.id]);
    expect(rows.rows[0].n).toBe(1);
    expect((await client.get(`/api/pix/charges/${charge.id}`)).json()).toMatchObject({
      status: 'received',
      received_transaction_id: received.transaction.id,
    });
    expect((await client.get('/api/pix/charges?status=received')).json().total).toBe(1);
    expect((await client.get('/api/pix/charges?status=pending')).json().total).toBe(0);
    const later = await client.post(`/api/pix/charges/${charge.id}/receive`);
    expect(later.json()).toMatchObject({ code: 'charge_already_received', transaction_id: received.transaction.id });
  });

  it('10 racing requests with one Idempotency-Key have one effect', async () => {
    const { client, account } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 700 }), 201).json();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.post(`/api/pix/charges/${charge.id}/receive`, {}, { 'idempotency-key': 'recebi' })),
    );
    expect(responses.every((response) => response.statusCode === 201 || response.statusCode === 409)).toBe(true);
    const ids = new Set(responses.filter((r) => r.statusCode === 201).map((response) => response.json().transaction.id));
    expect(ids.size).toBe(1);
    expect((await client.get(`/api/accounts/${account.id}`)).json().balance_cents).toBe(10_700);
  });

  it('a charge without an amount asks for one; a fixed amount cannot be changed', async () => {
    const { client, account } = await personWithKey();
    const open = expectStatus(await client.post('/api/pix/charges', { account_id: account.id }), 201).json();
    const missing = await client.post(`/api/pix/charges/${open.id}/receive`, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0]).toMatchObject({ field: 'body/amount_cents', code: 'required' });
    const salary = await client.category('income', 'salary');
    const received = await client.post(`/api/pix/charges/${open.id}/receive`, {
      amount_cents: 5_000,
      category_id: salary,
      description: 'Aula particular',
      occurred_on: '2026-05-03',
    });
    expect(received.statusCode).toBe(201);
    expect(received.json().transaction).toMatchObject({
      amount_cents: 5_000,
      category_id: salary,
      description: 'Aula particular',
      occurred_on: '2026-05-03',
    });
    const fixed = expectStatus(
      await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 1_000 }),
      201,
    ).json();
    const changed = await client.post(`/api/pix/charges/${fixed.id}/receive`, { amount_cents: 999 });
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ code: 'charge_amount_fixed', amount_cents: 1_000 });
  });

  it('the database refuses a second receipt in the charge, and edits of the recorded Pix facts', async () => {
    const { client, account, user } = await personWithKey();
    const charge = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 300 }), 201).json();
    const received = expectStatus(await client.post(`/api/pix/charges/${charge.id}/receive`), 201).json();
    // The charge names its receipt; another charge cannot claim the same income.
    const other = expectStatus(await client.post('/api/pix/charges', { account_id: account.id, amount_cents: 300 }), 201).json();
    await expect(
      t.pool.query('UPDATE pix_charges SET receipt_transaction_id = $2 WHERE id = $1', [other.id, received.transaction.id]),
    ).rejects.toThrow(/pix_charges_receipt_key/);
    await expect(
      t.pool.query('UPDATE transactions SET pix_txid = $2 WHERE id = $1', [received.transaction.id, 'OUTRO']),
    ).rejects.toThrow(/immutable/);
    // Description, category and notes stay editable.
    const edited = await client.patch(`/api/transactions/${received.transaction.id}`, { description: 'Bolo', row_version: 1 });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ description: 'Bolo', pix_charge_id: charge.id, pix_txid: charge.txid });
    const owner = await t.pool.query('SELECT user_id FROM transactions WHERE pix_charge_id = $1', [charge.id]);
    expect(owner.rows).toEqual([{ user_id: user.id }]);
  });
});

describe('POST /api/pix/decode', () => {
  it('reads the manual examples', async () => {
    const { client } = await signedIn(t.app);
    const staticCode = await client.post('/api/pix/decode', { payload: MANUAL_STATIC });
    expect(staticCode.statusCode).toBe(200);
    expect(staticCode.json()).toEqual({
      code: {
        type: 'static',
        point_of_initiation: null,
        key: '123e4567-e12b-12d1-a456-426655440000',
        key_type: 'evp',
        url: null,
        description: null,
        amount_cents: null,
        merchant_category_code: '0000',
        name: 'Fulano de Tal',
        city: 'BRASILIA',
        postal_code: null,
        txid: null,
        crc: '1D3D',
        unknown_fields: [],
      },
      suggestion: { description: 'Fulano de Tal (BRASILIA)', category_id: null },
    });
    const dynamic = (await client.post('/api/pix/decode', { payload: `${MANUAL_DYNAMIC}\n` })).json();
    expect(dynamic.code).toMatchObject({ type: 'dynamic', url: 'pix.example.com/8b3da2f39a4140d1a91abd93113bd441' });
  });

  it('answers 422 with every error, precisely', async () => {
    const { client } = await signedIn(t.app);
    const crc = await client.post('/api/pix/decode', { payload: MANUAL_STATIC.replace(/1D3D$/, '1D3E') });
    expect(crc.statusCode).toBe(422);
    expect(crc.headers['content-type']).toContain('application/problem+json');
    expect(crc.json()).toMatchObject({
      code: 'invalid_br_code',
      br_code_errors: [{ code: 'crc_mismatch', id: '63', expected: '1D3D', found: '1D3E' }],
    });
    const length = await client.post('/api/pix/decode', { payload: MANUAL_STATIC.replace('5913Fulano', '5999Fulano') });
    expect(length.json().br_code_errors).toContainEqual(expect.objectContaining({ code: 'length_mismatch', id: '59' }));
    const junk = await client.post('/api/pix/decode', { payload: 'isto não é um pix' });
    expect(junk.json().br_code_errors[0]).toMatchObject({ code: 'malformed' });
  });
});

describe('Paguei um Pix: a paid code becomes an expense', () => {
  it('records payee, city and txid, and guesses the category from the payee’s past expenses', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const food = await client.category('expense', 'food');
    const leisure = await client.category('expense', 'leisure');
    const bakery = shopCode({ name: 'Padaria Pão Quente', city: 'São Paulo', amountCents: 2_350, txid: 'PAD123' });

    const fresh = (await client.post('/api/pix/decode', { payload: bakery })).json();
    expect(fresh.code).toMatchObject({ name: 'Padaria Pao Quente', city: 'Sao Paulo', amount_cents: 2_350, txid: 'PAD123' });
    expect(fresh.suggestion).toEqual({ description: 'Padaria Pao Quente (Sao Paulo)', category_id: null });

    const first = await client.post(
      '/api/pix/payments',
      { account_id: account.id, payload: bakery, category_id: food },
      { 'idempotency-key': 'pago-1' },
    );
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      transaction: {
        kind: 'expense',
        amount_cents: 2_350,
        description: 'Padaria Pao Quente (Sao Paulo)',
        category_id: food,
        payee_name: 'Padaria Pao Quente',
        payee_city: 'Sao Paulo',
        pix_txid: 'PAD123',
        pix_charge_id: null,
      },
      account: { id: account.id, balance_cents: 100_000 - 2_350 },
    });
    expectStatus(await client.post('/api/pix/payments', { account_id: account.id, payload: bakery, category_id: food }), 201);
    expectStatus(await client.post('/api/pix/payments', { account_id: account.id, payload: bakery, category_id: leisure }), 201);

    // Food twice, leisure once: the guess is food, in the decode suggestion and when saving without a category.
    expect((await client.post('/api/pix/decode', { payload: bakery })).json().suggestion.category_id).toBe(food);
    const guessed = await client.post('/api/pix/payments', { account_id: account.id, payload: bakery, amount_cents: 990 });
    expect(guessed.json().transaction).toMatchObject({ category_id: food, amount_cents: 990, payee_name: 'Padaria Pao Quente' });
    const stored = (await client.get(`/api/transactions/${guessed.json().transaction.id}`)).json();
    expect(stored).toMatchObject({ payee_name: 'Padaria Pao Quente', payee_city: 'Sao Paulo', pix_txid: 'PAD123' });

    // Saying "no category" is respected; another city is another payee.
    const none = await client.post('/api/pix/payments', { account_id: account.id, payload: bakery, category_id: null });
    expect(none.json().transaction.category_id).toBeNull();
    const elsewhere = shopCode({ name: 'Padaria Pão Quente', city: 'Campinas', amountCents: 100 });
    expect((await client.post('/api/pix/decode', { payload: elsewhere })).json().suggestion.category_id).toBeNull();
  });

  it('a code without an amount (the dynamic example) needs one; the payee is still recorded', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const before = await counts();
    const missing = await client.post('/api/pix/payments', { account_id: account.id, payload: MANUAL_DYNAMIC });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0]).toMatchObject({ field: 'body/amount_cents', code: 'required' });
    expect(await counts()).toEqual(before);
    const paid = await client.post('/api/pix/payments', {
      account_id: account.id,
      payload: MANUAL_DYNAMIC,
      amount_cents: 4_200,
      description: 'Conta de luz',
      occurred_on: '2026-05-01',
    });
    expect(paid.statusCode).toBe(201);
    expect(paid.json().transaction).toMatchObject({
      amount_cents: 4_200,
      description: 'Conta de luz',
      payee_name: 'Fulano de Tal',
      payee_city: 'BRASILIA',
      pix_txid: null,
      occurred_on: '2026-05-01',
    });
  });

  it('an invalid code is a 422 with the errors, and nothing is written', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const before = await counts();
    const response = await client.post('/api/pix/payments', {
      account_id: account.id,
      payload: MANUAL_STATIC.replace('Fulano', 'Fulana'),
      amount_cents: 100,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'invalid_br_code', br_code_errors: [{ code: 'crc_mismatch' }] });
    expect(await counts()).toEqual(before);
  });

  it('a code whose receiver name is empty (5900) is a 422, not a payment the database refuses', async () => {
    const { client } = await signedIn(t.app);
    const account = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 10_000 });
    const body = MANUAL_STATIC.slice(0, -4).replace('5913Fulano de Tal', '5900');
    const payload = `${body}${crc16Hex(body)}`;
    const before = await counts();
    const decoded = await client.post('/api/pix/decode', { payload });
    expect(decoded.statusCode).toBe(422);
    expect(decoded.json().br_code_errors).toEqual([expect.objectContaining({ code: 'invalid_value', id: '59' })]);
    const paid = await client.post('/api/pix/payments', { account_id: account.id, payload, amount_cents: 100 });
    expect(paid.statusCode).toBe(422);
    expect(paid.json()).toMatchObject({ code: 'invalid_br_code' });
    expect(await counts()).toEqual(before);
  });

  it('obeys the ledger: no paying from cash that is not there', async () => {
    const { client } = await signedIn(t.app);
    const cash = await client.account({ name: 'Carteira', type: 'cash', initial_balance_cents: 1_000 });
    const response = await client.post('/api/pix/payments', {
      account_id: cash.id,
      payload: shopCode({ name: 'Feira', city: 'Recife', amountCents: 1_001 }),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('insufficient_funds');
  });
});

describe("another person's Pix", () => {
  it('answers 404 to every read and write, and leaks nothing', async () => {
    const alice = await personWithKey('Alice Secreta');
    const bob = await signedIn(t.app, 'Bob');
    const bobAccount = await bob.client.account({ name: 'Minha', type: 'checking', initial_balance_cents: 5_000 });
    const charge = expectStatus(
      await alice.client.post('/api/pix/charges', { account_id: alice.account.id, amount_cents: 100 }),
      201,
    ).json();
    const food = await alice.client.category('expense', 'food');
    const bakery = shopCode({ name: 'Padaria', city: 'Recife', amountCents: 100 });
    expectStatus(
      await alice.client.post('/api/pix/payments', { account_id: alice.account.id, payload: bakery, category_id: food }),
      201,
    );

    const attempts = [
      put(bob.client, bob.token, `/api/accounts/${alice.account.id}/pix-key`, { key: 'bob@example.com' }),
      t.app.inject({
        method: 'DELETE',
        url: `/api/accounts/${alice.account.id}/pix-key`,
        headers: { authorization: `Bearer ${bob.token}` },
      }),
      bob.client.post('/api/pix/charges', { account_id: alice.account.id, amount_cents: 100 }),
      bob.client.get(`/api/pix/charges/${charge.id}`),
      bob.client.post(`/api/pix/charges/${charge.id}/receive`),
      bob.client.post('/api/pix/payments', { account_id: alice.account.id, payload: bakery }),
      bob.client.post('/api/pix/payments', { account_id: bobAccount.id, payload: bakery, category_id: food }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().code).toBe('not_found');
      expect(response.body).not.toContain('Secreta');
      expect(response.body).not.toContain('52998224725');
    }
    expect((await bob.client.get('/api/pix/charges')).json().total).toBe(0);
    expectProblem(await bob.client.get(`/api/pix/charges?account_id=${alice.account.id}`), 404, 'not_found');
    expect((await bob.client.get('/api/pix/keys')).json().total).toBe(0);
    // Alice's history does not guess Bob's category.
    expect((await bob.client.post('/api/pix/decode', { payload: bakery })).json().suggestion.category_id).toBeNull();
    // Bob may use the same key on his own account: keys are unique per person only.
    const bobKey = await put(bob.client, bob.token, `/api/accounts/${bobAccount.id}/pix-key`, { key: '52998224725' });
    expect(bobKey.statusCode).toBe(200);
    expect((await alice.client.get(`/api/pix/charges/${charge.id}`)).json().status).toBe('pending');
  });
});

describe('bad input is a 400 with field errors, and nothing is written', () => {
  let client: Client;
  let accountId: string;
  let chargeId: string;
  beforeAll(async () => {
    const person = await personWithKey();
    client = person.client;
    accountId = person.account.id;
    chargeId = expectStatus(await client.post('/api/pix/charges', { account_id: accountId }), 201).json().id;
  });

  it.each([
    ['/api/pix/charges', () => ({ account_id: accountId, amount_cents: '1.234,56' }), 'body/amount_cents'],
    ['/api/pix/charges', () => ({ account_id: accountId, amount_cents: 0 }), 'body/amount_cents'],
    ['/api/pix/charges', () => ({ account_id: accountId, amount_cents: 10.5 }), 'body/amount_cents'],
    ['/api/pix/charges', () => ({ account_id: accountId, txid: 'tx-1' }), 'body/txid'],
    ['/api/pix/charges', () => ({ account_id: accountId, txid: 'A'.repeat(26) }), 'body/txid'],
    ['/api/pix/charges', () => ({ account_id: 'abc' }), 'body/account_id'],
    ['/api/pix/charges', () => ({ account_id: accountId, key: 'x' }), 'body/key'],
    ['/api/pix/charges', () => ({ account_id: accountId, description: 'x'.repeat(63) }), 'body/description'],
    ['/api/pix/decode', () => ({}), 'body/payload'],
    ['/api/pix/decode', () => ({ payload: '' }), 'body/payload'],
    ['/api/pix/decode', () => ({ payload: 'x'.repeat(1_001) }), 'body/payload'],
    ['/api/pix/keys/validate', () => ({ key: '' }), 'body/key'],
    ['/api/pix/keys/validate', () => ({ key: '52998224725', type: 'rg' }), 'body/type'],
    ['/api/pix/payments', () => ({ account_id: accountId }), 'body/payload'],
    ['/api/pix/payments', () => ({ account_id: accountId, payload: MANUAL_STATIC, amount_cents: -1 }), 'body/amount_cents'],
    [
      '/api/pix/payments',
      () => ({ account_id: accountId, payload: MANUAL_STATIC, occurred_on: '2026-02-30' }),
      'body/occurred_on',
    ],
    ['/receive', () => ({ amount_cents: '50' }), 'body/amount_cents'],
  ])('POST %s %#', async (url, body, field) => {
    const before = await counts();
    const response = await client.post(url === '/receive' ? `/api/pix/charges/${chargeId}/receive` : url, body());
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(response.json().errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('a malformed charge id or query is a 400', async () => {
    expectProblem(await client.get('/api/pix/charges/abc'), 400, 'validation_failed');
    expectProblem(await client.get('/api/pix/charges?status=paid'), 400, 'validation_failed');
    expectProblem(await client.get('/api/pix/charges?limit=101'), 400, 'validation_failed');
  });
});
