import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { signedIn, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectProblem, expectStatus } from '../helpers/problem.js';
import { upload } from './imports-support.js';

const NOW = '2027-01-20T15:00:00Z';
const clock = fixedClock(NOW);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterEach(async () => {
  await expectLedgerInvariants(t.pool);
  clock.set(NOW);
});
afterAll(async () => {
  await t?.close();
});

type Client = Awaited<ReturnType<typeof signedIn>>['client'];

interface Line {
  position: number;
  description: string;
  amount_cents: number;
  duplicate_of: string | null;
  duplicate_kind: 'same' | 'installment_of' | null;
  installment: { number: number; count: number } | null;
  purchase: { first_number: number; count: number; installments: number; total_cents: number; total_estimated: boolean } | null;
  transaction_id: string | null;
}

/** A Nubank card CSV: purchases positive, payments and refunds negative. */
function nubank(rows: ReadonlyArray<[string, string, string]>): string {
  return `date,title,amount\n${rows.map(([date, title, amount]) => `${date},${title},${amount}`).join('\n')}\n`;
}

/** A card closing on the 3rd, due on the 10th: a purchase on the 5th joins the next month's bill. */
async function person() {
  const { client, token } = await signedIn(t.app);
  const card = await client.account({
    name: 'Nubank',
    type: 'credit_card',
    credit_limit_cents: 5_000_000,
    closing_day: 3,
    due_day: 10,
  });
  return { client, token, card };
}

async function preview(token: string, accountId: string, file: string) {
  return expectStatus(await upload(t.app, token, { accountId, file, filename: 'nubank.csv' }), 201).json() as {
    id: string;
    new_count: number;
    duplicate_count: number;
    lines: Line[];
  };
}

function confirm(client: Client, importId: string, key: string, body: unknown = {}) {
  return client.post(`/api/imports/${importId}/confirm`, body, { 'idempotency-key': key });
}

async function importFile(client: Client, token: string, accountId: string, file: string, key: string) {
  const shown = await preview(token, accountId, file);
  const posted = expectStatus(await confirm(client, shown.id, key), 201).json();
  return { shown, posted };
}

/** The card's standing installment purchases with their installments (numbers, amounts, bills). */
async function purchasesOn(accountId: string) {
  const result = await t.pool.query<{ id: string; description: string; amount_cents: string; rows: string }>(
    `SELECT t.id, t.description, t.amount_cents,
            string_agg(i.number || '/' || i.count || '=' || i.amount_cents || '@' || to_char(i.bill_month, 'YYYY-MM'), ' ' ORDER BY i.number) AS rows
       FROM transactions t JOIN card_installments i ON i.transaction_id = t.id
      WHERE t.account_id = $1 AND t.kind = 'expense'
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
      GROUP BY t.id ORDER BY t.occurred_on, t.id`,
    [accountId],
  );
  return result.rows.map((row) => ({ ...row, amount_cents: Number(row.amount_cents) }));
}

/** The card's standing movements (not reversals, not reversed): kind, description, amount. */
async function movementsOn(accountId: string) {
  const result = await t.pool.query<{ kind: string; description: string; amount_cents: string }>(
    `SELECT t.kind, t.description, t.amount_cents FROM transactions t
      WHERE t.account_id = $1 AND t.kind IN ('income', 'expense')
        AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.reverses_transaction_id = t.id)
      ORDER BY t.occurred_on, t.description`,
    [accountId],
  );
  return result.rows.map((row) => `${row.kind} ${row.description} ${row.amount_cents}`);
}

async function balanceOf(client: Client, accountId: string): Promise<number> {
  return expectStatus(await client.get(`/api/accounts/${accountId}`), 200).json().balance_cents;
}

describe('card statement import: installment lines', () => {
  it('a "Parcela 1/6" with no purchase becomes one purchase in 6 installments; the same file again posts nothing', async () => {
    const { client, token, card } = await person();
    const file = nubank([
      ['2026-11-05', 'Loja X - Parcela 1/6', '89.90'],
      ['2026-11-06', 'Padaria Pão Quente', '12.50'],
    ]);
    const shown = await preview(token, card.id, file);
    expect(shown).toMatchObject({ new_count: 2, duplicate_count: 0 });
    expect(shown.lines[0]).toMatchObject({
      amount_cents: -8_990,
      installment: { number: 1, count: 6 },
      duplicate_kind: null,
      purchase: { first_number: 1, count: 6, installments: 6, total_cents: 53_940, total_estimated: true },
    });
    expect(shown.lines[1]).toMatchObject({ installment: null, purchase: null, duplicate_kind: null });
    const posted = expectStatus(await confirm(client, shown.id, 'k1'), 201).json();
    expect(posted).toMatchObject({ posted_count: 2, duplicate_count: 0 });
    expect(posted.account.balance_cents).toBe(-53_940 - 1_250);
    expect(await purchasesOn(card.id)).toEqual([
      expect.objectContaining({
        description: 'Loja X',
        amount_cents: 53_940,
        rows: '1/6=8990@2026-12 2/6=8990@2027-01 3/6=8990@2027-02 4/6=8990@2027-03 5/6=8990@2027-04 6/6=8990@2027-05',
      }),
    ]);
    const after = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
    expect(after.lines[0]).toMatchObject({ purchase: { installments: 6, total_cents: 53_940 }, duplicate_kind: null });
    const purchase = expectStatus(await client.get(`/api/transactions/${after.lines[0].transaction_id}`), 200).json();
    expect(purchase).toMatchObject({ installment_count: 6, description: 'Loja X', amount_cents: 53_940 });

    // The same file again: every line is already in the books.
    const again = await preview(token, card.id, file);
    expect(again).toMatchObject({ new_count: 0, duplicate_count: 2 });
    expect(again.lines[0]).toMatchObject({ duplicate_of: after.lines[0].transaction_id, duplicate_kind: 'same', purchase: null });
    expect(expectStatus(await confirm(client, again.id, 'k2'), 201).json()).toMatchObject({
      posted_count: 0,
      duplicate_count: 2,
    });
    const againStored = expectStatus(await client.get(`/api/imports/${again.id}`), 200).json();
    expect(againStored.lines[0]).toMatchObject({ duplicate_kind: 'same', duplicate_of: after.lines[0].transaction_id });
    expect(await purchasesOn(card.id)).toHaveLength(1);
    expect(await balanceOf(client, card.id)).toBe(-53_940 - 1_250);
  });

  it('a 6x purchase imported month by month from six monthly CSVs ends as one purchase with six installments', async () => {
    const { client, token, card } = await person();
    let firstPurchase = '';
    for (let month = 1; month <= 6; month += 1) {
      const day = `2026-${String(5 + month).padStart(2, '0')}-05`;
      clock.set(`${day}T15:00:00Z`);
      const file = nubank([
        [day, `Magazine Bom Preço - Parcela ${month}/6`, '250.00'],
        [day, `Mercado do Bairro ${month}`, '40.00'],
        [day, 'Pagamento recebido', '-100.00'],
      ]);
      const { shown, posted } = await importFile(client, token, card.id, file, `month-${month}`);
      // Each month's file once more: nothing new, the installment line still stands for its installment.
      const again = await importFile(client, token, card.id, file, `month-${month}-again`);
      expect(again.posted).toMatchObject({ posted_count: 0, duplicate_count: 3 });
      expect(again.shown.lines[0]?.duplicate_kind).toBe(month === 1 ? 'same' : 'installment_of');
      if (month === 1) {
        expect(shown.lines[0]).toMatchObject({ purchase: { installments: 6, total_cents: 150_000 }, duplicate_kind: null });
        expect(posted).toMatchObject({ posted_count: 3, duplicate_count: 0 });
        firstPurchase = (await purchasesOn(card.id))[0]?.id ?? '';
      } else {
        expect(shown.lines[0]).toMatchObject({
          duplicate_kind: 'installment_of',
          duplicate_of: firstPurchase,
          installment: { number: month, count: 6 },
          purchase: null,
        });
        expect(posted).toMatchObject({ posted_count: 2, duplicate_count: 1 });
        const stored = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
        expect(stored.lines[0]).toMatchObject({
          duplicate_kind: 'installment_of',
          duplicate_of: firstPurchase,
          transaction_id: null,
        });
      }
    }
    const purchases = await purchasesOn(card.id);
    expect(purchases).toHaveLength(1);
    expect(purchases[0]).toMatchObject({
      id: firstPurchase,
      amount_cents: 150_000,
      rows: '1/6=25000@2026-07 2/6=25000@2026-08 3/6=25000@2026-09 4/6=25000@2026-10 5/6=25000@2026-11 6/6=25000@2026-12',
    });
    // The purchase once, six markets, and six payments as incomes on the card (no source account is named).
    expect(await balanceOf(client, card.id)).toBe(-150_000 - 6 * 4_000 + 6 * 10_000);
    const bills = expectStatus(await client.get(`/api/accounts/${card.id}/bills?limit=100`), 200).json();
    const installmentItems = bills.items.flatMap((bill: { items: Array<{ installment: unknown }> }) =>
      bill.items.filter((item) => item.installment !== null),
    );
    expect(installmentItems).toHaveLength(6);
  });

  it('an issuer that prints the purchase day on every installment line (C6) is matched by that day', async () => {
    const { client, token, card } = await person();
    await importFile(client, token, card.id, nubank([['2026-09-10', 'Loja Casa Nova - Parcela 1/3', '70.00']]), 'c6-1');
    const [purchase] = await purchasesOn(card.id);
    expect(purchase?.rows).toBe('1/3=7000@2026-10 2/3=7000@2026-11 3/3=7000@2026-12');
    // Installment 3 is on the December bill; the line's own date falls in October's. A bare "3/3" matches.
    const { shown, posted } = await importFile(
      client,
      token,
      card.id,
      nubank([['2026-09-10', 'Loja Casa Nova - 3/3', '70.00']]),
      'c6-3',
    );
    expect(shown.lines[0]).toMatchObject({ duplicate_kind: 'installment_of', duplicate_of: purchase?.id });
    expect(posted.posted_count).toBe(0);
  });

  it('lines of a purchase typed by hand (PARC 01/03, Parc.2/3, centavos split otherwise) are its installments; another payee, amount or a taken installment is not', async () => {
    const { client, token, card } = await person();
    clock.set('2026-10-20T15:00:00Z');
    const typed = expectStatus(
      await client.post('/api/transactions', {
        account_id: card.id,
        type: 'expense',
        amount_cents: 10_000,
        description: 'Tênis Corrida Loja',
        installments: 3,
      }),
      201,
    ).json();
    clock.set(NOW);
    // cards_v1 split 100,00 as 33,34 + 33,33 + 33,33; the issuer may print 33,33 for the first.
    const shown = await preview(
      token,
      card.id,
      nubank([
        ['2026-10-20', 'TENIS CORRIDA LOJA PARC 01/03', '33.33'],
        ['2026-11-20', 'Outra Loja Parc.2/3', '33.33'],
        ['2026-11-20', 'Tenis Corrida Loja Parc.2/3', '33.33'],
        ['2026-12-20', 'Tênis Corrida Loja - Parcela 3/3', '40.00'],
        ['2026-11-21', 'Tenis Corrida Loja - Parcela 2/3', '33.33'],
        ['2027-09-20', 'Tênis Corrida Loja - Parcela 3/3', '33.33'],
      ]),
    );
    const kinds = shown.lines.map((line) => [line.duplicate_kind, line.duplicate_of === typed.transaction.id]);
    expect(kinds).toEqual([
      ['installment_of', true],
      [null, false],
      ['installment_of', true],
      [null, false],
      [null, false],
      [null, false],
    ]);
    expect(shown).toMatchObject({ new_count: 4, duplicate_count: 2 });
    expect(shown.lines.map((line) => line.purchase)).toEqual([
      null,
      { first_number: 2, count: 3, installments: 2, total_cents: 6_666, total_estimated: true },
      null,
      { first_number: 3, count: 3, installments: 1, total_cents: 4_000, total_estimated: false },
      { first_number: 2, count: 3, installments: 2, total_cents: 6_666, total_estimated: true },
      { first_number: 3, count: 3, installments: 1, total_cents: 3_333, total_estimated: false },
    ]);
    const posted = expectStatus(await confirm(client, shown.id, 'typed'), 201).json();
    expect(posted).toMatchObject({ posted_count: 4, duplicate_count: 2 });
    expect(await purchasesOn(card.id)).toHaveLength(5);
    const stored = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
    expect(stored.lines.map((line: Line) => line.duplicate_kind)).toEqual([
      'installment_of',
      null,
      'installment_of',
      null,
      null,
      null,
    ]);
  });

  it('a "Parcela 3/10" with no purchase becomes a purchase of the remaining installments 3..10; next month\'s 4/10 is its installment', async () => {
    const { client, token, card } = await person();
    const { shown } = await importFile(
      client,
      token,
      card.id,
      nubank([['2026-11-05', 'Geladeira Frost Free - Parcela 3/10', '150.00']]),
      'fridge-1',
    );
    expect(shown.lines[0]?.purchase).toEqual({
      first_number: 3,
      count: 10,
      installments: 8,
      total_cents: 120_000,
      total_estimated: true,
    });
    const [purchase] = await purchasesOn(card.id);
    expect(purchase).toMatchObject({
      description: 'Geladeira Frost Free',
      amount_cents: 120_000,
      rows: '3/10=15000@2026-12 4/10=15000@2027-01 5/10=15000@2027-02 6/10=15000@2027-03 7/10=15000@2027-04 8/10=15000@2027-05 9/10=15000@2027-06 10/10=15000@2027-07',
    });
    const bills = expectStatus(await client.get(`/api/accounts/${card.id}/bills?limit=100`), 200).json();
    const december = bills.items.find((bill: { month: string }) => bill.month === '2026-12');
    expect(december.items).toEqual([expect.objectContaining({ amount_cents: 15_000, installment: { number: 3, count: 10 } })]);

    const { shown: next, posted } = await importFile(
      client,
      token,
      card.id,
      nubank([['2026-12-05', 'GELADEIRA FROST FREE PARC 04/10', '150.00']]),
      'fridge-2',
    );
    expect(next.lines[0]).toMatchObject({ duplicate_kind: 'installment_of', duplicate_of: purchase?.id });
    expect(posted.posted_count).toBe(0);
    expect(await balanceOf(client, card.id)).toBe(-120_000);
  });

  it('the person chooses on the preview: an ordinary line, or the real total; a total on a line that is no purchase refuses the whole confirm', async () => {
    const { client, token, card } = await person();
    const file = nubank([
      ['2026-11-05', 'Curso Online - Parcela 1/3', '33.34'],
      ['2026-11-05', 'Sofá Conforto - Parcela 1/4', '250.00'],
      ['2026-11-06', 'Farmácia Saúde', '20.00'],
    ]);
    const shown = await preview(token, card.id, file);
    const refused = await confirm(client, shown.id, 'bad', { lines: [{ position: 3, total_cents: 2_000 }] });
    expectProblem(refused, 400, 'validation_failed');
    const tooSmall = await confirm(client, shown.id, 'small', { lines: [{ position: 2, total_cents: 3 }] });
    expectProblem(tooSmall, 400, 'validation_failed');
    expect(await movementsOn(card.id)).toEqual([]);

    const posted = expectStatus(
      await confirm(client, shown.id, 'good', {
        lines: [
          { position: 1, total_cents: 10_000 },
          { position: 2, as_installments: false },
        ],
      }),
      201,
    ).json();
    expect(posted).toMatchObject({ posted_count: 3, duplicate_count: 0 });
    expect(await purchasesOn(card.id)).toEqual([
      expect.objectContaining({
        description: 'Curso Online',
        amount_cents: 10_000,
        rows: '1/3=3334@2026-12 2/3=3333@2027-01 3/3=3333@2027-02',
      }),
    ]);
    expect(await movementsOn(card.id)).toEqual([
      'expense Curso Online 10000',
      'expense Sofá Conforto - Parcela 1/4 25000',
      'expense Farmácia Saúde 2000',
    ]);
    const stored = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
    expect(stored.lines[0].purchase).toEqual({
      first_number: 1,
      count: 3,
      installments: 3,
      total_cents: 10_000,
      total_estimated: false,
    });
    expect(stored.lines[1].purchase).toBeNull();
  });

  it('undo reverses the purchase; the file imported again makes it anew; two confirms of one file make it once', async () => {
    const { client, token, card } = await person();
    const file = nubank([['2026-11-05', 'Notebook Loja Tech - Parcela 1/12', '300.00']]);
    const { shown } = await importFile(client, token, card.id, file, 'nb-1');
    expect(await purchasesOn(card.id)).toHaveLength(1);
    expectStatus(await client.post(`/api/imports/${shown.id}/undo`, {}, { 'idempotency-key': 'nb-undo' }), 201);
    expect(await purchasesOn(card.id)).toHaveLength(0);
    expect(await balanceOf(client, card.id)).toBe(0);

    const first = await preview(token, card.id, file);
    const second = await preview(token, card.id, file);
    expect(first.lines[0]?.purchase).toMatchObject({ installments: 12, total_cents: 360_000 });
    const [a, b] = await Promise.all([confirm(client, first.id, 'nb-a'), confirm(client, second.id, 'nb-b')]);
    const counts = [expectStatus(a, 201).json().posted_count, expectStatus(b, 201).json().posted_count].sort();
    expect(counts).toEqual([0, 1]);
    expect(await purchasesOn(card.id)).toHaveLength(1);
    expect(await balanceOf(client, card.id)).toBe(-360_000);
  });

  it('payments and refunds in a card CSV stay incomes on the card; a checking account ignores installment text', async () => {
    const { client, token, card } = await person();
    await importFile(
      client,
      token,
      card.id,
      nubank([
        ['2026-11-10', 'Pagamento recebido', '-500.00'],
        ['2026-11-12', 'Estorno de Loja Y - Parcela 2/5', '-30.00'],
      ]),
      'pay',
    );
    expect(await movementsOn(card.id)).toEqual([
      'income Pagamento recebido 50000',
      'income Estorno de Loja Y - Parcela 2/5 3000',
    ]);
    expect(await purchasesOn(card.id)).toEqual([]);

    const checking = await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 });
    const shown = await preview(
      token,
      checking.id,
      'Data,Valor,Identificador,Descrição\n05/11/2026,-89.90,abc-1,Loja X - Parcela 1/6\n',
    );
    expect(shown.lines[0]).toMatchObject({ installment: null, purchase: null, duplicate_kind: null });
    expectStatus(await confirm(client, shown.id, 'checking'), 201);
    expect(await movementsOn(checking.id)).toContain('expense Loja X - Parcela 1/6 8990');
  });

  it('hostile text around the marker: out-of-range numbers, look-alike digits, long and markup-laden descriptions', async () => {
    const { client, token, card } = await person();
    const long = `${'Loja '.repeat(36)}- Parcela 2/6`;
    const file = nubank([
      ['2026-11-05', 'Loja A - Parcela 0/6', '10.00'],
      ['2026-11-05', 'Loja B - Parcela 7/6', '10.00'],
      ['2026-11-05', 'Loja C - Parcela 1/1', '10.00'],
      ['2026-11-05', 'Loja D - Parcela 2/60', '10.00'],
      ['2026-11-05', 'Loja E - Parcela ２/６', '10.00'],
      ['2026-11-05', 'Loja F - Parcela 1234/5678', '10.00'],
      ['2026-11-05', '1/2/3/4/5/6/7/8/9/1/2/3/4/5/6/7/8/9/1/2/3/4/5/6/7/8/9/1/2', '10.00'],
      ['2026-11-05', '"<script>alert(1)</script> - Parcela 1/2"', '10.00'],
      ['2026-11-05', long, '10.00'],
      ['2026-11-05', `"${'parcela '.repeat(20)}1/"`, '10.00'],
    ]);
    const started = Date.now();
    const shown = await preview(token, card.id, file);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(shown.lines.map((line) => line.installment)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      { number: 1, count: 2 },
      { number: 2, count: 6 },
      null,
    ]);
    expect(shown.lines.map((line) => line.purchase?.installments ?? null)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      2,
      5,
      null,
    ]);
    expectStatus(await confirm(client, shown.id, 'hostile'), 201);
    const purchases = await purchasesOn(card.id);
    expect(purchases.map((purchase) => purchase.description).sort()).toEqual([
      '<script>alert(1)</script>',
      'Loja '.repeat(36).trim(),
    ]);
    expect(await movementsOn(card.id)).toContain('expense Loja D - Parcela 2/60 1000');
  });
});

describe('card statement import: several installments of one purchase in one file', () => {
  it('"Parcela 1/3", "2/3" and a bare "3/3" of one shop make one purchase, whatever the file order; the same bill twice is two purchases', async () => {
    const { client, token, card } = await person();
    // Newest first, as some exports list; 2/3 is a centavo off (the issuer's split).
    const file = nubank([
      ['2027-01-05', 'LOJA SOL 3/3', '89.90'],
      ['2026-12-05', 'Loja Sol - Parcela 2/3', '89.89'],
      ['2026-11-20', 'Loja Lua - Parcela 2/3', '50.00'],
      ['2026-11-05', 'Loja Lua - Parcela 1/3', '50.00'],
      ['2026-11-05', 'Loja Sol - Parcela 1/3', '89.90'],
    ]);
    const shown = await preview(token, card.id, file);
    expect(shown).toMatchObject({ new_count: 3, duplicate_count: 2 });
    expect(shown.lines.map((line) => [line.duplicate_kind, line.duplicate_of, line.purchase?.installments ?? null])).toEqual([
      ['installment_of', null, null],
      ['installment_of', null, null],
      [null, null, 2],
      [null, null, 3],
      [null, null, 3],
    ]);
    const posted = expectStatus(await confirm(client, shown.id, 'sol'), 201).json();
    expect(posted).toMatchObject({ posted_count: 3, duplicate_count: 2 });
    expect((await purchasesOn(card.id)).map((purchase) => `${purchase.description} ${purchase.rows}`).sort()).toEqual([
      'Loja Lua 1/3=5000@2026-12 2/3=5000@2027-01 3/3=5000@2027-02',
      'Loja Lua 2/3=5000@2026-12 3/3=5000@2027-01',
      'Loja Sol 1/3=8990@2026-12 2/3=8990@2027-01 3/3=8990@2027-02',
    ]);
    expect(posted.account.balance_cents).toBe(-26_970 - 15_000 - 10_000);
    const sol = (await purchasesOn(card.id)).find((purchase) => purchase.description === 'Loja Sol');
    const stored = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
    expect(stored.lines.map((line: Line) => [line.duplicate_kind, line.duplicate_of, line.transaction_id])).toEqual([
      ['installment_of', sol?.id, null],
      ['installment_of', sol?.id, null],
      [null, null, expect.any(String)],
      [null, null, expect.any(String)],
      [null, null, sol?.id],
    ]);

    // The same file again: the purchases by their keys, the other lines as their installments.
    const again = await importFile(client, token, card.id, file, 'sol-again');
    expect(again.shown.lines.map((line) => line.duplicate_kind)).toEqual([
      'installment_of',
      'installment_of',
      'same',
      'same',
      'same',
    ]);
    expect(again.posted).toMatchObject({ posted_count: 0, duplicate_count: 5 });
    expect(await purchasesOn(card.id)).toHaveLength(3);

    // Undo takes the purchase off with its installments; the lines that stood for them posted nothing.
    expectStatus(await client.post(`/api/imports/${shown.id}/undo`, {}, { 'idempotency-key': 'sol-undo' }), 201);
    expect(await purchasesOn(card.id)).toEqual([]);
    expect(await balanceOf(client, card.id)).toBe(0);
  });

  it('C6 prints the installment in its own "Parcela" column: "1/3" there starts the purchase, "2/3" of the same purchase day is its installment', async () => {
    const { client, token, card } = await person();
    const header =
      'Data de Compra;Nome no Cartão;Final do Cartão;Categoria;Descrição;Parcela;Valor (em US$);Cotação (em R$);Valor (em R$)';
    const file = `${header}\n10/09/2026;MARIA;1234;Casa;LOJA CASA NOVA;1/3;0;0;70.00\n10/09/2026;MARIA;1234;Casa;LOJA CASA NOVA;2/3;0;0;70.00\n`;
    const shown = await preview(token, card.id, file);
    expect(shown.lines.map((line) => [line.description, line.duplicate_kind, line.purchase?.installments ?? null])).toEqual([
      ['LOJA CASA NOVA - Parcela 1/3', null, 3],
      ['LOJA CASA NOVA - Parcela 2/3', 'installment_of', null],
    ]);
    expect(expectStatus(await confirm(client, shown.id, 'c6'), 201).json()).toMatchObject({
      posted_count: 1,
      duplicate_count: 1,
    });
    expect(await purchasesOn(card.id)).toEqual([
      expect.objectContaining({ description: 'LOJA CASA NOVA', rows: '1/3=7000@2026-10 2/3=7000@2026-11 3/3=7000@2026-12' }),
    ]);
  });

  it('a bare "n/m" never makes a purchase: "Netflix 05/12" is an expense of its amount, shown with the marker it looks like', async () => {
    const { client, token, card } = await person();
    const file = nubank([
      ['2026-11-05', 'Netflix 05/12', '55.90'],
      ['2026-11-06', 'Loja Praia (2/6)', '100.00'],
    ]);
    const shown = await preview(token, card.id, file);
    expect(shown).toMatchObject({ new_count: 2, duplicate_count: 0 });
    expect(shown.lines.map((line) => [line.installment, line.purchase, line.duplicate_kind])).toEqual([
      [{ number: 5, count: 12 }, null, null],
      [{ number: 2, count: 6 }, null, null],
    ]);
    const posted = expectStatus(await confirm(client, shown.id, 'netflix'), 201).json();
    expect(posted).toMatchObject({ posted_count: 2, duplicate_count: 0 });
    expect(posted.account.balance_cents).toBe(-5_590 - 10_000);
    expect(await purchasesOn(card.id)).toEqual([]);
    expect(await movementsOn(card.id)).toEqual(['expense Netflix 05/12 5590', 'expense Loja Praia (2/6) 10000']);
  });
});

describe('card statement import: undo and refunds', () => {
  it('undoing an import whose purchase has a refund is 422 purchase_has_refunds with nothing written; once the refund is reversed, undo works', async () => {
    const { client, token, card } = await person();
    const { shown } = await importFile(
      client,
      token,
      card.id,
      nubank([
        ['2026-11-05', 'Mercado Central', '120.00'],
        ['2026-11-06', 'Livraria Letras - Parcela 1/2', '40.00'],
      ]),
      'refunded',
    );
    const stored = expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json();
    const market = stored.lines[0].transaction_id as string;
    const refund = expectStatus(await client.post(`/api/transactions/${market}/refund`, { scope: 'whole' }), 201).json();
    expect(refund.transaction).toMatchObject({ kind: 'refund', amount_cents: 12_000 });
    const balance = await balanceOf(client, card.id);
    expect(balance).toBe(-8_000);
    const snapshot = async () => ({
      transactions: (await t.pool.query('SELECT count(*)::int AS n FROM transactions WHERE account_id = $1', [card.id])).rows[0]
        .n,
      installments: await purchasesOn(card.id),
      movements: await movementsOn(card.id),
      keys: (await t.pool.query('SELECT count(*)::int AS n FROM import_dedupe WHERE account_id = $1', [card.id])).rows[0].n,
    });
    const before = await snapshot();

    const refused = await client.post(`/api/imports/${shown.id}/undo`, {}, { 'idempotency-key': 'undo-1' });
    expectProblem(refused, 422, 'purchase_has_refunds');
    expect(refused.json().transaction_id).toBe(market);
    expect(await balanceOf(client, card.id)).toBe(balance);
    expect(await snapshot()).toEqual(before);
    expect(expectStatus(await client.get(`/api/imports/${shown.id}`), 200).json().status).toBe('posted');

    expectStatus(await client.post(`/api/transactions/${refund.transaction.id}/reverse`, {}), 201);
    const undone = expectStatus(
      await client.post(`/api/imports/${shown.id}/undo`, {}, { 'idempotency-key': 'undo-2' }),
      201,
    ).json();
    expect(undone).toMatchObject({ status: 'undone', reversed_count: 2, account: { balance_cents: 0 } });
    expect(await movementsOn(card.id)).toEqual([]);
    expect(await purchasesOn(card.id)).toEqual([]);
  });
});
