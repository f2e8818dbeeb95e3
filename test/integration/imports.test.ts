import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { multipart, type OfxMovement, ofx, upload } from './imports-support.js';

const clock = fixedClock('2026-12-01T12:00:00Z');
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

const NOVEMBER: OfxMovement[] = [
  { date: '2026-11-03', amount: '5000.00', memo: 'SALARIO EMPRESA X', fitid: 'N1' },
  { date: '2026-11-05', amount: '-32.50', memo: 'PIX ENVIADO UBER TRIP', fitid: 'N2' },
  { date: '2026-11-05', amount: '-32.50', memo: 'PIX ENVIADO UBER TRIP', fitid: 'N3' },
  { date: '2026-11-10', amount: '-1200.00', memo: 'ALUGUEL NOVEMBRO', fitid: 'N4' },
];

async function person() {
  const { client, token, user } = await signedIn(t.app);
  const account = await client.account({ name: 'Conta corrente', type: 'checking', initial_balance_cents: 100_000 });
  return { client, token, user, account };
}

async function balanceOf(client: Awaited<ReturnType<typeof person>>['client'], accountId: string): Promise<number> {
  return expectStatus(await client.get(`/api/accounts/${accountId}`), 200).json().balance_cents;
}

async function countRows(table: string): Promise<number> {
  const result = await t.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return result.rows[0].n;
}

function confirm(client: Awaited<ReturnType<typeof person>>['client'], importId: string, key: string, body: unknown = {}) {
  return client.post(`/api/imports/${importId}/confirm`, body, { 'idempotency-key': key });
}

describe('statement import: preview, confirm, duplicates, undo', () => {
  it('previews an OFX without posting, confirms it into the account, and lists it', async () => {
    const { client, token, account } = await person();
    const before = await countRows('transactions');
    const preview = expectStatus(
      await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER), filename: '  nov.ofx ' }),
      201,
    ).json();
    expect(preview).toMatchObject({
      status: 'preview',
      format: 'ofx',
      account_id: account.id,
      file_name: 'nov.ofx',
      new_count: 4,
      duplicate_count: 0,
      posted_count: 0,
    });
    expect(preview.lines.map((line: { amount_cents: number }) => line.amount_cents)).toEqual([500_000, -3_250, -3_250, -120_000]);
    expect(preview.lines[0]).toMatchObject({ occurred_on: '2026-11-03', description: 'SALARIO EMPRESA X', duplicate_of: null });
    // A preview is stored, and moves no money.
    expect(await countRows('transactions')).toBe(before);
    expect(await balanceOf(client, account.id)).toBe(100_000);

    const confirmed = expectStatus(await confirm(client, preview.id, 'confirm-1'), 201).json();
    expect(confirmed).toMatchObject({ id: preview.id, status: 'posted', posted_count: 4, duplicate_count: 0 });
    const expected = 100_000 + 500_000 - 3_250 - 3_250 - 120_000;
    expect(confirmed.account.balance_cents).toBe(expected);
    expect(await balanceOf(client, account.id)).toBe(expected);

    const listed = expectStatus(await client.get('/api/imports'), 200).json();
    expect(listed).toMatchObject({ total: 1, skip: 0, limit: 50 });
    expect(listed.items[0]).toMatchObject({ id: preview.id, status: 'posted', posted_count: 4 });
    const one = expectStatus(await client.get(`/api/imports/${preview.id}`), 200).json();
    expect(one.lines.every((line: { transaction_id: string | null }) => line.transaction_id !== null)).toBe(true);
    const kinds = await t.pool.query(
      'SELECT kind, count(*)::int AS n FROM transactions WHERE id = ANY($1::uuid[]) GROUP BY kind ORDER BY kind',
      [one.lines.map((line: { transaction_id: string }) => line.transaction_id)],
    );
    expect(kinds.rows).toEqual([
      { kind: 'expense', n: 3 },
      { kind: 'income', n: 1 },
    ]);
  });

  it('a second import of the same file is all duplicates and posts nothing', async () => {
    const { client, token, account } = await person();
    const first = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expectStatus(await confirm(client, first.id, 'a'), 201);
    const balance = await balanceOf(client, account.id);
    const again = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expect(again).toMatchObject({ new_count: 0, duplicate_count: 4 });
    expect(again.lines.every((line: { duplicate_of: string | null }) => line.duplicate_of !== null)).toBe(true);
    const confirmed = expectStatus(await confirm(client, again.id, 'b'), 201).json();
    expect(confirmed).toMatchObject({ posted_count: 0, duplicate_count: 4 });
    expect(await balanceOf(client, account.id)).toBe(balance);
  });

  it('an overlapping export of the same account (other ids, other wording) and a movement typed by hand are not posted twice', async () => {
    const { client, token, account } = await person();
    const first = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expectStatus(await confirm(client, first.id, 'first'), 201);
    // Typed by hand before the statement arrived.
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 8_990,
        description: 'Mercado Pão de Açúcar',
        occurred_on: '2026-12-02',
      }),
      201,
    );
    const overlapping = ofx([
      { date: '2026-11-10', amount: '-1200.00', memo: 'Aluguel Novembro' },
      { date: '2026-11-05', amount: '-32.50', memo: 'Uber Trip' },
      { date: '2026-11-05', amount: '-32.50', memo: 'Uber Trip' },
      { date: '2026-12-02', amount: '-89.90', memo: 'COMPRA CARTAO MERCADO PAO DE ACUCAR 123' },
      { date: '2026-12-03', amount: '-15.00', memo: 'PADARIA REAL' },
    ]);
    const balance = await balanceOf(client, account.id);
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: overlapping }), 201).json();
    expect(preview).toMatchObject({ new_count: 1, duplicate_count: 4 });
    expect(preview.lines.find((line: { duplicate_of: string | null }) => line.duplicate_of === null).description).toBe(
      'PADARIA REAL',
    );
    // Each existing movement answers for one line: the two Uber trips match the two posted, not one twice.
    const dupes = preview.lines.map((line: { duplicate_of: string | null }) => line.duplicate_of).filter(Boolean);
    expect(new Set(dupes).size).toBe(4);
    const confirmed = expectStatus(await confirm(client, preview.id, 'second'), 201).json();
    expect(confirmed).toMatchObject({ posted_count: 1, duplicate_count: 4 });
    expect(await balanceOf(client, account.id)).toBe(balance - 1_500);
  });

  it('undo reverses every posting and restores the balance; the same file can then be imported again', async () => {
    const { client, token, account } = await person();
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expectStatus(await confirm(client, preview.id, 'c1'), 201);
    const transactionsBefore = await countRows('transactions');
    const undone = expectStatus(
      await client.post(`/api/imports/${preview.id}/undo`, undefined, { 'idempotency-key': 'u1' }),
      201,
    ).json();
    expect(undone).toMatchObject({ id: preview.id, status: 'undone', reversed_count: 4 });
    expect(undone.account.balance_cents).toBe(100_000);
    expect(await balanceOf(client, account.id)).toBe(100_000);
    // Reversals, never deletes: four more journal entries, none removed.
    expect(await countRows('transactions')).toBe(transactionsBefore + 4);
    const replay = await client.post(`/api/imports/${preview.id}/undo`, undefined, { 'idempotency-key': 'u1' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expectProblem(
      await client.post(`/api/imports/${preview.id}/undo`, undefined, { 'idempotency-key': 'u2' }),
      409,
      'import_undone',
    );
    expectProblem(await confirm(client, preview.id, 'c2'), 409, 'import_undone');

    const again = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expect(again).toMatchObject({ new_count: 4, duplicate_count: 0 });
    expectStatus(await confirm(client, again.id, 'c3'), 201);
    expect(await balanceOf(client, account.id)).toBe(100_000 + 500_000 - 3_250 - 3_250 - 120_000);
  });

  it('a line whose posting was reversed by hand is new again in the next import', async () => {
    const { client, token, account } = await person();
    const first = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expectStatus(await confirm(client, first.id, 'first'), 201);
    const rent = expectStatus(await client.get(`/api/imports/${first.id}`), 200).json().lines[3];
    expectStatus(await client.post(`/api/transactions/${rent.transaction_id}/reverse`, {}), 201);
    const again = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expect(again).toMatchObject({ new_count: 1, duplicate_count: 3 });
    expect(again.lines[3]).toMatchObject({ description: 'ALUGUEL NOVEMBRO', duplicate_of: null });
    expect(expectStatus(await confirm(client, again.id, 'again'), 201).json().posted_count).toBe(1);
    expect(await balanceOf(client, account.id)).toBe(100_000 + 500_000 - 3_250 - 3_250 - 120_000);
    // The first import's undo leaves the key with the second import, which still holds it.
    expectStatus(await client.post(`/api/imports/${first.id}/undo`, undefined, { 'idempotency-key': 'undo-first' }), 201);
    const third = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expect(third).toMatchObject({ new_count: 3, duplicate_count: 1 });
  });

  it('a confirm replays with its key, refuses another key, and needs a key', async () => {
    const { client, token, account } = await person();
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expectProblem(await client.post(`/api/imports/${preview.id}/confirm`, {}), 400, 'validation_failed');
    const first = expectStatus(await confirm(client, preview.id, 'same'), 201);
    const replay = expectStatus(await confirm(client, preview.id, 'same'), 201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expectProblem(await confirm(client, preview.id, 'other'), 409, 'import_already_posted');
    expect(
      (
        await t.pool.query('SELECT count(*)::int AS n FROM import_lines WHERE import_id = $1 AND transaction_id IS NOT NULL', [
          preview.id,
        ])
      ).rows[0].n,
    ).toBe(4);
  });

  it('concurrent confirms of one preview, and of two previews of the same file, post each line once', async () => {
    const { client, token, account } = await person();
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    const twice = await Promise.all([confirm(client, preview.id, 'k1'), confirm(client, preview.id, 'k2')]);
    expect(twice.map((response) => response.statusCode).sort()).toEqual([201, 409]);
    const expected = 100_000 + 500_000 - 3_250 - 3_250 - 120_000;
    expect(await balanceOf(client, account.id)).toBe(expected);

    const other = await person();
    const tabs = await Promise.all(
      [1, 2, 3].map(() => upload(t.app, other.token, { accountId: other.account.id, file: ofx(NOVEMBER) })),
    );
    const ids = tabs.map((response) => expectStatus(response, 201).json().id);
    const confirms = await Promise.all(ids.map((id, index) => confirm(other.client, id, `tab-${index}`)));
    const bodies = confirms.map((response) => expectStatus(response, 201).json());
    expect(bodies.map((body) => body.posted_count).sort()).toEqual([0, 0, 4]);
    expect(await balanceOf(other.client, other.account.id)).toBe(expected);
    const dedupe = await t.pool.query('SELECT count(*)::int AS n FROM import_dedupe WHERE account_id = $1', [other.account.id]);
    expect(dedupe.rows[0].n).toBe(4);
  });

  it('two different exports of the same movements confirmed at once post them once', async () => {
    const { client, token, account } = await person();
    const bank = ofx(NOVEMBER);
    // The same movements as another export writes them: other ids, other wording.
    const other = ofx(
      NOVEMBER.map((movement) => ({ ...movement, fitid: `X${movement.fitid}`, memo: movement.memo.toLowerCase() })),
    );
    const previews = await Promise.all([bank, other].map((file) => upload(t.app, token, { accountId: account.id, file })));
    const ids = previews.map((response) => expectStatus(response, 201).json().id);
    const confirms = await Promise.all(ids.map((id, index) => confirm(client, id, `export-${index}`)));
    expect(confirms.map((response) => expectStatus(response, 201).json().posted_count).sort()).toEqual([0, 4]);
    expect(await balanceOf(client, account.id)).toBe(100_000 + 500_000 - 3_250 - 3_250 - 120_000);
  });

  it("another person's import or account answers 404", async () => {
    const owner = await person();
    const stranger = await person();
    const preview = expectStatus(
      await upload(t.app, owner.token, { accountId: owner.account.id, file: ofx(NOVEMBER) }),
      201,
    ).json();
    expectProblem(await stranger.client.get(`/api/imports/${preview.id}`), 404, 'not_found');
    expectProblem(await confirm(stranger.client, preview.id, 'steal'), 404, 'not_found');
    expectProblem(
      await stranger.client.post(`/api/imports/${preview.id}/undo`, undefined, { 'idempotency-key': 'x' }),
      404,
      'not_found',
    );
    expectProblem(await upload(t.app, stranger.token, { accountId: owner.account.id, file: ofx(NOVEMBER) }), 404, 'not_found');
    expect((await stranger.client.get('/api/imports')).json().total).toBe(0);
    expect(await balanceOf(owner.client, owner.account.id)).toBe(100_000);
  });
});

describe('bad files and hostile forms write nothing', () => {
  async function expectNothingWritten(run: () => Promise<void>) {
    const before = await Promise.all(['imports', 'import_lines', 'transactions'].map(countRows));
    await run();
    expect(await Promise.all(['imports', 'import_lines', 'transactions'].map(countRows))).toEqual(before);
  }

  it('an unreadable file is 422 import_unreadable with the line; a file over the size limit is 413', async () => {
    const { token, account } = await person();
    await expectNothingWritten(async () => {
      const broken = ofx(NOVEMBER).replace('<DTPOSTED>20261110', '<DTPOSTED>ontem');
      const response = await upload(t.app, token, { accountId: account.id, file: broken });
      expectProblem(response, 422, 'import_unreadable');
      // The readers name the line where the broken movement starts (its <STMTTRN>).
      const lines = broken.split('\n');
      const dateLine = lines.findIndex((text) => text.includes('ontem'));
      expect(response.json().line).toBe(lines.lastIndexOf('<STMTTRN>', dateLine) + 1);
      expectProblem(
        await upload(t.app, token, { accountId: account.id, file: 'não é um extrato', fields: { format: 'ofx' } }),
        422,
        'import_unreadable',
      );
      const huge = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
      expectProblem(await upload(t.app, token, { accountId: account.id, file: huge }), 413, 'import_too_large');
    });
  });

  it("U+0000 or a lone surrogate in the form's text, and a preset named after Object's own keys, are refused, not a 500", async () => {
    const { token, account } = await person();
    const send = (fields: Array<{ name: string; value: string }>) => {
      const form = multipart([
        { name: 'account_id', value: account.id },
        ...fields,
        { name: 'file', file: '01/11/2026;Padaria;-10,00\n', filename: 'extrato.csv' },
      ]);
      return t.app.inject({
        method: 'POST',
        url: '/api/imports',
        headers: { authorization: `Bearer ${token}`, ...form.headers },
        payload: form.payload,
      });
    };
    const mapping = {
      preset: 'custom',
      delimiter: ';',
      skipRows: 0,
      hasHeader: false,
      dateColumn: 0,
      dateFormat: 'dd/mm/yyyy',
      descriptionColumn: 1,
      amount: { kind: 'signed', column: 2 },
      decimal: 'comma',
      invertSign: false,
    };
    const withMapping = (changes: object) => [{ name: 'mapping', value: JSON.stringify({ ...mapping, ...changes }) }];
    await expectNothingWritten(async () => {
      for (const changes of [
        { preset: 'custom\u0000' },
        { filter: { column: 1, value: '\ud800' } },
        { signColumn: { column: 2, debitValue: 'D\u0000' } },
      ]) {
        const response = await send(withMapping(changes));
        expectProblem(response, 400, 'validation_failed');
        expect(response.json().errors[0]).toMatchObject({ code: 'text' });
      }
      expectProblem(await send([{ name: 'preset', value: 'x\u0000' }]), 400, 'validation_failed');
      for (const preset of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expectProblem(await send([{ name: 'preset', value: preset }]), 422, 'import_unreadable');
      }
    });
    // The control: the same mapping without the bad character is read.
    expectStatus(await send(withMapping({})), 201);
  });

  it('no file, two files, an unknown or oversized field, a bad account id, or JSON instead of a form are refused', async () => {
    const { token, account, client } = await person();
    const send = (form: ReturnType<typeof multipart>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/imports',
        headers: { authorization: `Bearer ${token}`, ...form.headers },
        payload: form.payload,
      });
    const file = { name: 'file', file: ofx(NOVEMBER), filename: 'a.ofx' };
    await expectNothingWritten(async () => {
      expectProblem(await send(multipart([{ name: 'account_id', value: account.id }])), 400, 'validation_failed');
      expectProblem(
        await send(multipart([{ name: 'account_id', value: account.id }, file, { ...file, filename: 'b.ofx' }])),
        400,
        'validation_failed',
      );
      expectProblem(
        await send(multipart([{ name: 'account_id', value: account.id }, { name: 'evil', value: 'x' }, file])),
        400,
        'validation_failed',
      );
      expectProblem(
        await send(multipart([{ name: 'account_id', value: account.id }, { name: 'mapping', value: 'x'.repeat(100_000) }, file])),
        400,
        'validation_failed',
      );
      expectProblem(
        await send(multipart([{ name: 'account_id', value: account.id }, { name: 'mapping', value: '{"preset":1}' }, file])),
        400,
        'validation_failed',
      );
      expectProblem(await send(multipart([{ name: 'account_id', value: 'not-a-uuid' }, file])), 400, 'validation_failed');
      expectProblem(await send(multipart([file])), 400, 'validation_failed');
      expectProblem(await client.post('/api/imports', { account_id: account.id, file: 'x' }), 415, 'unsupported_media_type');
      const truncated = multipart([{ name: 'account_id', value: account.id }, file]);
      expectProblem(
        await send({ ...truncated, payload: truncated.payload.subarray(0, truncated.payload.length - 40) }),
        400,
        'malformed_body',
      );
    });
    // The control: the same form, whole, is accepted.
    expectStatus(await send(multipart([{ name: 'account_id', value: account.id }, file])), 201);
    expect((await client.get('/api/imports')).json().total).toBe(1);
  });
});

describe('categories: the guess, rules and choices on confirm', () => {
  it('guesses from past transactions of a similar payee, a rule wins, and a confirm may change a line', async () => {
    const { client, token, account } = await person();
    const transport = await client.category('expense', 'transport');
    const food = await client.category('expense', 'food');
    const salary = await client.category('income', 'salary');
    for (const description of ['Uber', 'Uber viagem', 'UBER TRIP']) {
      expectStatus(
        await client.post('/api/transactions', {
          account_id: account.id,
          type: 'expense',
          amount_cents: 100,
          description,
          category_id: food,
          occurred_on: '2026-10-01',
        }),
        201,
      );
    }
    expectStatus(
      await client.post('/api/transactions', {
        account_id: account.id,
        type: 'expense',
        amount_cents: 100,
        description: 'Aluguel outubro',
        category_id: food,
        occurred_on: '2026-10-01',
      }),
      201,
    );
    const first = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    const category = (line: number) => first.lines[line].category_id;
    expect(category(1)).toBe(food);
    expect(category(3)).toBe(food);
    // An income never gets an expense's category.
    expect(category(0)).toBeNull();

    expectStatus(await client.post('/api/imports/rules', { pattern: '  Úber!! ', category_id: transport }), 201);
    const rules = expectStatus(await client.get('/api/imports/rules'), 200).json();
    expect(rules.items).toEqual([expect.objectContaining({ pattern: 'uber', category_id: transport })]);
    const second = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(NOVEMBER) }), 201).json();
    expect(second.lines[1].category_id).toBe(transport);
    expect(second.lines[3].category_id).toBe(food);

    expectProblem(
      await confirm(client, second.id, 'wrong-kind', { lines: [{ line: second.lines[0].line, category_id: food }] }),
      422,
      'category_kind_mismatch',
    );
    expectProblem(
      await confirm(client, second.id, 'no-line', { lines: [{ line: 99_999, category_id: food }] }),
      400,
      'validation_failed',
    );
    expectProblem(await confirm(client, second.id, 'neither', { lines: [{ category_id: food }] }), 400, 'validation_failed');
    const both = { lines: [{ line: second.lines[1].line, position: 2, category_id: food }] };
    expectProblem(await confirm(client, second.id, 'both', both), 400, 'validation_failed');
    const confirmed = await confirm(client, second.id, 'ok', {
      lines: [
        { line: second.lines[0].line, category_id: salary },
        { line: second.lines[3].line, category_id: null },
      ],
    });
    expectStatus(confirmed, 201);
    const posted = expectStatus(await client.get(`/api/imports/${second.id}`), 200).json();
    const rows = await t.pool.query('SELECT id, category_id FROM transactions WHERE id = ANY($1::uuid[])', [
      posted.lines.map((line: { transaction_id: string }) => line.transaction_id),
    ]);
    const byId = new Map(rows.rows.map((row) => [row.id, row.category_id]));
    expect(posted.lines.map((line: { transaction_id: string }) => byId.get(line.transaction_id))).toEqual([
      salary,
      transport,
      transport,
      null,
    ]);

    const ruleId = rules.items[0].id;
    const stranger = await person();
    expectProblem(await stranger.client.request('DELETE', `/api/imports/rules/${ruleId}`), 404, 'not_found');
    expect((await client.request('DELETE', `/api/imports/rules/${ruleId}`)).statusCode).toBe(204);
    expectProblem(
      await stranger.client.post('/api/imports/rules', { pattern: 'uber', category_id: transport }),
      404,
      'not_found',
    );
  });
});

describe('CSV mappings and large files', () => {
  it("remembers an account's own CSV mapping and reads the next file with it", async () => {
    const { client, token, account } = await person();
    // A layout no preset knows: no header, "|"-free but ";" separated, amount first.
    const mapping = {
      preset: 'custom',
      delimiter: ';',
      skipRows: 0,
      hasHeader: false,
      dateColumn: 1,
      dateFormat: 'dd/mm/yyyy',
      descriptionColumn: 2,
      amount: { kind: 'signed', column: 0 },
      decimal: 'comma',
      invertSign: false,
    };
    const file = '-12,50;03/11/2026;Padaria Real\r\n1.000,00;04/11/2026;Reembolso\r\n';
    expectProblem(await upload(t.app, token, { accountId: account.id, file, filename: 'minha.csv' }), 422, 'import_unreadable');
    const first = await upload(t.app, token, {
      accountId: account.id,
      file,
      filename: 'minha.csv',
      fields: { mapping: JSON.stringify(mapping) },
    });
    expect(expectStatus(first, 201).json()).toMatchObject({ format: 'csv', preset: 'custom', new_count: 2 });
    expect(expectStatus(await client.get(`/api/imports/mappings/${account.id}`), 200).json().mapping).toMatchObject(mapping);
    const next = '-7,00;05/11/2026;Banca\r\n';
    const second = expectStatus(
      await upload(t.app, token, { accountId: account.id, file: next, filename: 'minha2.csv' }),
      201,
    ).json();
    expect(second).toMatchObject({ preset: 'custom', new_count: 1 });
    expect(second.lines[0]).toMatchObject({ occurred_on: '2026-11-05', amount_cents: -700, description: 'Banca' });
  });

  it('posts a statement of more lines than one ledger batch in one transaction; more than 50,000 lines is 413', async () => {
    const { client, token, account } = await person();
    const LINES = 2_500;
    const movements: OfxMovement[] = Array.from({ length: LINES }, (_, index) => ({
      date: `2026-10-${String((index % 28) + 1).padStart(2, '0')}`,
      amount: `-${(index % 90) + 1}.00`,
      memo: `LOJA ${index}`,
      fitid: `B${index}`,
    }));
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: ofx(movements) }), 201).json();
    const confirmed = expectStatus(await confirm(client, preview.id, 'big'), 201).json();
    const sum = movements.reduce((total, movement) => total - Number(movement.amount.slice(1, -3)) * 100, 0);
    expect(confirmed).toMatchObject({ posted_count: LINES, account: { balance_cents: 100_000 + sum } });
    // One database transaction: every row it wrote carries the same xmin (the writing transaction's id).
    const writers = await t.pool.query(
      "SELECT count(DISTINCT xmin::text)::int AS n, count(*)::int AS total FROM transactions WHERE account_id = $1 AND kind = 'expense'",
      [account.id],
    );
    expect(writers.rows[0]).toEqual({ n: 1, total: LINES });

    const before = await countRows('imports');
    const rows = Array.from({ length: 50_001 }, (_, index) => `01/11/2026,-1.00,L${index},Loja`);
    const huge = `Data,Valor,Identificador,Descrição\r\n${rows.join('\r\n')}\r\n`;
    expectProblem(
      await upload(t.app, token, { accountId: account.id, file: huge, filename: 'enorme.csv' }),
      413,
      'import_too_large',
    );
    expect(await countRows('imports')).toBe(before);
  });
});

describe('an OFX written on one line', () => {
  it('keys its movements by position (their line numbers repeat) and takes a choice by position', async () => {
    const { client, token, account } = await person();
    const transport = await client.category('expense', 'transport');
    const oneLine = ofx(NOVEMBER).replaceAll('\n', '');
    const preview = expectStatus(await upload(t.app, token, { accountId: account.id, file: oneLine }), 201).json();
    expect(preview.lines.map((line: { position: number }) => line.position)).toEqual([1, 2, 3, 4]);
    expect(new Set(preview.lines.map((line: { line: number }) => line.line)).size).toBe(1);
    const confirmed = await confirm(client, preview.id, 'one-line', { lines: [{ position: 3, category_id: transport }] });
    expect(expectStatus(confirmed, 201).json().posted_count).toBe(4);
    const posted = expectStatus(await client.get(`/api/imports/${preview.id}`), 200).json();
    const categories = await t.pool.query('SELECT id, category_id FROM transactions WHERE id = ANY($1::uuid[])', [
      posted.lines.map((line: { transaction_id: string }) => line.transaction_id),
    ]);
    const byId = new Map(categories.rows.map((row) => [row.id, row.category_id]));
    expect(posted.lines.map((line: { transaction_id: string }) => byId.get(line.transaction_id))).toEqual([
      null,
      null,
      transport,
      null,
    ]);
  });
});
