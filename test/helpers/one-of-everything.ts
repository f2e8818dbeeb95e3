import { notify } from '../../src/modules/notifications/notify.js';
import type { signedIn, TestApp } from './app.js';
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
 * goal, recurring rule, Pix key and charge, notification, import and import rule.
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
  return ids;
}
