import { notify } from '../../src/modules/notifications/notify.js';
import type { signedIn, TestApp } from './app.js';
import type { Route } from './openapi.js';
import { writeOfx1 } from './statement-writer.js';

type Person = Awaited<ReturnType<typeof signedIn>>;

/** A response's body when it is a success; otherwise the seeding stops and says what failed. */
export async function created(response: { statusCode: number; body: string; json(): unknown }, what: string) {
  if (response.statusCode >= 300) throw new Error(`${what}: ${response.statusCode} ${response.body}`);
  return response.json() as Record<string, unknown>;
}

/**
 * One of every resource a route can name, for a signed-in person, so a test that walks every
 * route has an id of theirs to start from: account, other account, category, transaction,
 * goal, recurring rule, Pix key and charge, notification, import and import rule, and a
 * credit card with its days (card), a purchase on it in 12 installments (purchase) and the
 * bill its first installment is on (bill).
 */
export async function seedOneOfEverything(t: TestApp, person: Person): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const { client } = person;
  ids.account = (await client.account({ name: 'Conta', type: 'checking', initial_balance_cents: 100_000 })).id;
  ids.other = (await client.account({ name: 'Poupança', type: 'savings' })).id;
  ids.category = ((await client.get('/api/categories?kind=expense')).json().items[0] as { id: string }).id;
  const posted = await created(
    await client.post('/api/transactions', { account_id: ids.account, type: 'expense', amount_cents: 100, description: 'Pão' }),
    'transaction',
  );
  ids.transaction = (posted.transaction as { id: string }).id;
  ids.goal = (await created(await client.post('/api/goals', { name: 'Viagem', target_cents: 50_000 }), 'goal')).id as string;
  const rule = {
    account_id: ids.account,
    type: 'expense',
    amount_cents: 100,
    description: 'Aluguel',
    schedule: { kind: 'monthly', day: 5 },
    start_on: '2026-11-05',
  };
  ids.rule = (await created(await client.post('/api/recurring', rule), 'rule')).id as string;
  await created(await client.put(`/api/accounts/${ids.account}/pix-key`, { key: '529.982.247-25' }), 'pix key');
  const charge = await created(await client.post('/api/pix/charges', { account_id: ids.account, amount_cents: 500 }), 'charge');
  ids.charge = charge.id as string;
  ids.chargePayload = charge.payload as string;
  ids.notification = (await notify(t.pool, {
    userId: person.user.id,
    kind: 'budget_alert',
    dedupeKey: 'budget:seed:50',
    params: { threshold: 50 },
    link: '/orcamentos',
    now: new Date(),
  })) as string;
  const statement = writeOfx1([{ occurredOn: '2026-11-05', amountCents: -1_000, description: 'PADARIA', fitid: 'S1' }]);
  const boundary = 'seed';
  const form = `--${boundary}\r\nContent-Disposition: form-data; name="account_id"\r\n\r\n${ids.account}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.ofx"\r\n\r\n${statement.toString('utf-8')}\r\n--${boundary}--\r\n`;
  const preview = await t.app.inject({
    method: 'POST',
    url: '/api/imports',
    headers: { authorization: `Bearer ${person.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: form,
  });
  ids.import = (await created(preview, 'import')).id as string;
  ids.importRule = (
    await created(await client.post('/api/imports/rules', { pattern: 'padaria', category_id: ids.category }), 'import rule')
  ).id as string;
  Object.assign(ids, await seedCard(person));
  return ids;
}

/** A scheduled credit card, a purchase in 12 installments on it, and the bill of the first installment. */
export async function seedCard(person: Person): Promise<{ card: string; purchase: string; bill: string }> {
  const { client } = person;
  const card = (
    await client.account({ name: 'Cartão', type: 'credit_card', credit_limit_cents: 500_000, closing_day: 3, due_day: 10 })
  ).id as string;
  const posted = await created(
    await client.post('/api/transactions', {
      account_id: card,
      type: 'expense',
      amount_cents: 120_000,
      description: 'Geladeira',
      installments: 12,
    }),
    'purchase in installments',
  );
  const purchase = (posted.transaction as { id: string }).id;
  const installments = await created(await client.get(`/api/transactions/${purchase}/installments`), 'installments');
  const bill = (installments.items as Array<{ bill_id: string }>)[0]?.bill_id as string;
  return { card, purchase, bill };
}

/**
 * The seeded id a route's path parameter or body field names, for the walks that send every
 * route of the document with real ids; a new kind of id must be added here.
 */
export function idOfRoute(ids: Record<string, string>): (name: string, route: Route) => string {
  const byField: Record<string, string | undefined> = {
    account_id: ids.account,
    from_account_id: ids.account,
    to_account_id: ids.other,
    category_id: ids.category,
    bill_id: ids.bill,
  };
  // The first prefix that matches wins: the card's and the purchase's routes come before their parents'.
  const byPath: Array<[string, string | undefined]> = [
    ['/api/accounts/{id}/bills', ids.card],
    ['/api/accounts/{id}', ids.account],
    ['/api/categories/{id}', ids.category],
    ['/api/transactions/{id}/installments', ids.purchase],
    ['/api/transactions/{id}/refund', ids.purchase],
    ['/api/transactions/{id}/anticipate', ids.purchase],
    ['/api/transactions/{id}', ids.transaction],
    ['/api/goals/{id}', ids.goal],
    ['/api/recurring/{id}', ids.rule],
    ['/api/pix/charges/{id}', ids.charge],
    ['/api/notifications/{id}', ids.notification],
    ['/api/imports/rules/{id}', ids.importRule],
    ['/api/imports/mappings/{id}', ids.account],
    ['/api/imports/{id}', ids.import],
  ];
  return (name, route) => {
    const id = name === 'id' ? byPath.find(([prefix]) => route.path.startsWith(prefix))?.[1] : byField[name];
    if (id === undefined) throw new Error(`no real id for ${name} in ${route.method} ${route.path}`);
    return id;
  };
}
