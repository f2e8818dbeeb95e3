import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBalanceSnapshots } from '../../src/jobs/balance-snapshots.js';
import { fixedClock } from '../../src/lib/clock.js';
import { AUDIT_COMMANDS } from '../../src/ops/audit/commands.js';
import type { OpsContext } from '../../src/ops/command.js';
import { clientFor, PASSWORD, registerUser, startTestApp, type TestApp } from '../helpers/app.js';
import { expectLedgerInvariants } from '../helpers/ledger.js';
import { expectStatus } from '../helpers/problem.js';

/**
 * docs/AUDITABILITY.md runs `npm run ops -- balance-at` and `trace-transfer` on a sample data
 * set; this file seeds that sample through the API on a fixed clock, runs every example of the
 * doc as a subprocess, and compares what it prints with the doc, ids normalised to the doc's.
 * Then it checks balance-at against a running sum of the postings at random instants.
 *
 * CI runs a fixed seed; PROPERTY_SEED and PROPERTY_RUNS change it.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_205);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 4);
const DOC_PATH = 'docs/AUDITABILITY.md';
const SAMPLE_EMAIL = 'ana@example.com';

const clock = fixedClock('2026-10-01T12:00:00Z');
let t: TestApp;

beforeAll(async () => {
  // The clock jumps days back and forth: a session must not idle out in between (the default is 72 h).
  t = await startTestApp({ clock, env: { SESSION_IDLE_HOURS: String(24 * 30) } });
});
afterAll(async () => {
  await expectLedgerInvariants(t.pool);
  await t?.close();
});

function command(name: string) {
  const found = AUDIT_COMMANDS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

/** Runs a command in this process, as src/cli/ops.ts does, and keeps what it printed. */
async function runInProcess(name: string, args: string[]) {
  const out: string[] = [];
  const said: string[] = [];
  const context: OpsContext = { pool: t.pool, clock, out: (line) => out.push(line), say: (line) => said.push(line) };
  const code = await command(name).run(args, context);
  return { code, stdout: out.join('\n'), stderr: said.join('\n') };
}

/** `npm run ops -- …` as an operator runs it, on the test's database. */
function runOps(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, VDP_TEST_ADMIN_URL: _admin, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ops.ts', ...args], {
      env: { ...inherited, LOG_LEVEL: 'silent', DATABASE_URL: t.database.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------
// The sample of docs/AUDITABILITY.md

type Client = ReturnType<typeof clientFor> & { token: string };

/** Signs the sample's person in at the clock's instant (the clock jumps weeks; sessions idle out). */
async function signIn(): Promise<Client> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: SAMPLE_EMAIL, password: PASSWORD },
  });
  const token: string = expectStatus(response, 200).json().token;
  return { ...clientFor(t.app, token), token };
}

async function at<T>(instant: string, step: (client: Client) => Promise<T>): Promise<T> {
  clock.set(instant);
  return step(await signIn());
}

function headers(requestId: string, key?: string): Record<string, string> {
  return { 'x-request-id': requestId, ...(key === undefined ? {} : { 'idempotency-key': key }) };
}

interface Sample {
  personId: string;
  checking: string;
  savings: string;
  octoberTransfer: string;
  novemberTransfer: string;
  reversal: string;
  market: string;
}

/** The sample, step by step as docs/AUDITABILITY.md tells it. */
async function seedSample(): Promise<Sample> {
  clock.set('2026-10-01T12:00:00Z');
  const { user } = await registerUser(t.app, { email: SAMPLE_EMAIL, name: 'Ana Souza' });
  const checking = await at('2026-10-01T12:05:00Z', (client) =>
    client.account({ name: 'Conta corrente', type: 'checking', initial_balance_cents: 100_000 }),
  );
  const savings = await at('2026-10-01T12:06:00Z', (client) => client.account({ name: 'Poupança', type: 'savings' }));
  await at('2026-10-05T12:00:00Z', async (client) => {
    const payload = { account_id: checking.id, type: 'income', amount_cents: 350_000, description: 'Salário' };
    expectStatus(await client.post('/api/transactions', payload, headers('req-2026-10-05-salario', 'salario-2026-10')), 201);
  });
  const market = await at('2026-10-10T15:30:00Z', async (client) => {
    const payload = { account_id: checking.id, type: 'expense', amount_cents: 12_050, description: 'Mercado' };
    return expectStatus(await client.post('/api/transactions', payload, headers('req-2026-10-10-mercado')), 201).json()
      .transaction as { id: string; row_version: number };
  });
  const october = { from_account_id: checking.id, to_account_id: savings.id, amount_cents: 50_000 };
  const octoberTransfer = await at('2026-10-20T13:00:00Z', async (client) => {
    const response = await client.post('/api/transfers', october, headers('req-2026-10-20-transf', 'transf-2026-10-20'));
    return expectStatus(response, 201).json().transaction.id as string;
  });
  // The client did not see the answer and sent the same request again: a replay, no second transfer.
  await at('2026-10-20T13:00:05Z', async (client) => {
    const retry = await client.post('/api/transfers', october, headers('req-2026-10-20-transf-retry', 'transf-2026-10-20'));
    expect(expectStatus(retry, 201).headers['idempotent-replayed']).toBe('true');
  });
  // 23:30 on 31 October in São Paulo: still October there.
  await at('2026-11-01T02:30:00Z', async (client) => {
    const payload = { account_id: checking.id, type: 'expense', amount_cents: 8_990, description: 'Farmácia' };
    expectStatus(await client.post('/api/transactions', payload, headers('req-2026-10-31-farmacia')), 201);
  });
  // The balance_snapshots job's run at 02:00 on 1 November in São Paulo closes October.
  expect(await writeBalanceSnapshots(t.pool, new Date('2026-11-01T05:00:00Z'))).toBeGreaterThan(0);
  const november = { from_account_id: checking.id, to_account_id: savings.id, amount_cents: 20_000 };
  const novemberTransfer = await at('2026-11-03T10:00:00Z', async (client) => {
    const response = await client.post('/api/transfers', november, headers('req-2026-11-03-transf', 'transf-2026-11-03'));
    return expectStatus(response, 201).json().transaction.id as string;
  });
  const reversal = await at('2026-11-04T12:00:00Z', async (client) => {
    const response = await client.post(
      `/api/transactions/${novemberTransfer}/reverse`,
      {},
      headers('req-2026-11-04-estorno', 'estorno-2026-11-04'),
    );
    return expectStatus(response, 201).json().transaction.id as string;
  });
  await at('2026-11-05T09:00:00Z', async (client) => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/transactions/${market.id}`,
      headers: { ...headers('req-2026-11-05-correcao', 'correcao-2026-11-05'), authorization: `Bearer ${client.token}` },
      payload: { amount_cents: 12_500, row_version: market.row_version },
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
  });
  return {
    personId: user.id,
    checking: checking.id,
    savings: savings.id,
    octoberTransfer,
    novemberTransfer,
    reversal,
    market: market.id,
  };
}

const DOC_PERSON_ID = '9e000000-0000-4000-8000-000000000001';
/** The doc's account ids, by account type (the sample's person has one account of each). */
const DOC_ACCOUNT_IDS: Record<string, string> = {
  checking: 'ac000000-0000-4000-8000-000000000001',
  savings: 'ac000000-0000-4000-8000-000000000002',
  income: 'ac000000-0000-4000-8000-000000000003',
  expense: 'ac000000-0000-4000-8000-000000000004',
  equity: 'ac000000-0000-4000-8000-000000000005',
};
const docTransactionId = (position: number) => `7a000000-0000-4000-8000-${String(position).padStart(12, '0')}`;

/** The sample's real ids and the doc's, which number transactions in the order they were posted. */
async function docIds(personId: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>([[personId, DOC_PERSON_ID]]);
  const accounts = await t.pool.query<{ id: string; type: string }>('SELECT id, type FROM accounts WHERE user_id = $1', [
    personId,
  ]);
  for (const row of accounts.rows) ids.set(row.id, DOC_ACCOUNT_IDS[row.type] ?? `unexpected ${row.type}`);
  const transactions = await t.pool.query<{ id: string }>(
    `SELECT t.id FROM transactions t WHERE t.user_id = $1
      ORDER BY t.created_at, (SELECT min(e.id) FROM ledger_entries e WHERE e.transaction_id = t.id)`,
    [personId],
  );
  for (const [index, row] of transactions.rows.entries()) ids.set(row.id, docTransactionId(index + 1));
  return ids;
}

function replaceAll(text: string, pairs: Iterable<[string, string]>): string {
  let result = text;
  for (const [from, to] of pairs) result = result.split(from).join(to);
  return result;
}

interface DocExample {
  args: string[];
  expected: string;
}

/** Every ```console block of the doc that runs `npm run ops -- …`: the command line and what it prints. */
function docExamples(): DocExample[] {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const blocks = [...doc.matchAll(/```console\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .filter((block) => block.startsWith('$ npm run ops -- '))
    .map((block) => {
      const [first = '', ...rest] = block.split('\n');
      return { args: first.slice('$ npm run ops -- '.length).split(' '), expected: rest.join('\n').trimEnd() };
    });
}

let sample: Sample;
let toDoc: [string, string][] = [];

describe('docs/AUDITABILITY.md on its sample data set', () => {
  beforeAll(async () => {
    sample = await seedSample();
    toDoc = [...(await docIds(sample.personId)).entries()];
  });

  const examples = docExamples();
  it('has the examples the doc promises', () => {
    expect(examples.map((example) => example.args[0])).toEqual([
      'balance-at',
      'balance-at',
      'balance-at',
      'trace-transfer',
      'trace-transfer',
      'trace-transfer',
    ]);
  });

  for (const example of examples) {
    const command = example.args.join(' ');
    it(`prints what the doc shows for: npm run ops -- ${command}`, async () => {
      const fromDoc = toDoc.map(([real, doc]) => [doc, real] as [string, string]);
      const result = await runOps(example.args.map((arg) => replaceAll(arg, fromDoc)));
      const printed = replaceAll(result.stdout, toDoc).trimEnd();
      expect({ command, printed }).toEqual({ command, printed: example.expected });
      expect(result.code, result.stderr).toBe(0);
    });
  }
});

describe('trace-transfer', () => {
  it("follows a transfer to its reversal and back, with its key's stored answer, and agrees with the audit view", async () => {
    const trace = await runInProcess('trace-transfer', [sample.novemberTransfer, '--json']);
    expect(trace.code, trace.stderr).toBe(0);
    const story = JSON.parse(trace.stdout);
    expect(story.transactions.map((traced: { id: string }) => traced.id)).toEqual([sample.novemberTransfer, sample.reversal]);
    const [transfer, reversal] = story.transactions;
    expect(transfer).toMatchObject({
      kind: 'transfer',
      policy_version: 'transfers_v1',
      request_id: 'req-2026-11-03-transf',
      idempotency_key: {
        key: 'transf-2026-11-03',
        stored: { status: 'completed', response_status: 201, names_transaction: true },
      },
      links: { reversed_by: { id: sample.reversal, kind: 'reversal' }, reverses: null },
    });
    expect(reversal).toMatchObject({
      kind: 'reversal',
      request_id: 'req-2026-11-04-estorno',
      links: { reverses: { id: sample.novemberTransfer, kind: 'transfer' }, reversed_by: null },
    });
    // The reversal's legs undo the transfer's, account by account.
    const legs = (traced: { entries: { account_id: string; amount_cents: number }[] }) =>
      traced.entries.map((entry) => [entry.account_id, entry.amount_cents]).sort();
    expect(legs(reversal)).toEqual(legs(transfer).map(([account, cents]) => [account, -Number(cents)]));
    // The audit view in the trace is the app's own answer to the person, field for field.
    const client = await signIn();
    for (const traced of story.transactions) {
      const view = expectStatus(await client.get(`/api/transactions/${traced.id}/audit`), 200).json();
      expect(traced.audit_view).toEqual(view);
      expect(traced.audit_view_differences).toEqual([]);
    }
    // From the other end of the story, and by the reversal's key, the same story.
    const fromReversal = JSON.parse((await runInProcess('trace-transfer', [sample.reversal, '--json'])).stdout);
    expect(fromReversal.transactions).toEqual(story.transactions);
    const byKey = await runInProcess('trace-transfer', [
      '--idempotency-key',
      'estorno-2026-11-04',
      '--person',
      SAMPLE_EMAIL,
      '--json',
    ]);
    expect(JSON.parse(byKey.stdout).transactions).toEqual(story.transactions);
  });

  it('finds nothing under the request id of a replay: the retried transfer posted once', async () => {
    const replay = await runInProcess('trace-transfer', ['--request-id', 'req-2026-10-20-transf-retry', '--json']);
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout)).toMatchObject({ matched: 0, transactions: [] });
    const first = JSON.parse((await runInProcess('trace-transfer', ['--request-id', 'req-2026-10-20-transf', '--json'])).stdout);
    expect(first.transactions.map((traced: { id: string }) => traced.id)).toEqual([sample.octoberTransfer]);
  });
});

describe('balance-at', () => {
  it('answers 64 to bad usage and 1 to an account or person that does not exist', async () => {
    const account = sample.checking;
    for (const args of [
      ['--account', account],
      ['--account', account, '--at', '2026-11-04'],
      ['--account', account, '--at', '2026-11-04T12:00:00'],
      ['--account', 'conta', '--at', '2026-11-04T12:00:00Z'],
      ['--account', account, '--person', SAMPLE_EMAIL, '--at', '2026-11-04T12:00:00Z'],
      ['--at', '2026-11-04T12:00:00Z'],
      ['--account', account, '--at', '2026-11-04T12:00:00Z', '--since', 'x'],
    ]) {
      const result = await runInProcess('balance-at', args);
      expect({ args, code: result.code }).toEqual({ args, code: 64 });
      expect(result.stderr).toContain('Usage: npm run ops -- balance-at');
    }
    const missingAccount = await runInProcess('balance-at', [
      '--account',
      '00000000-0000-4000-8000-000000000000',
      '--at',
      '2026-11-04T12:00:00Z',
    ]);
    expect(missingAccount.code).toBe(1);
    const missingPerson = await runInProcess('balance-at', ['--person', 'ninguem@example.com', '--at', '2026-11-04T12:00:00Z']);
    expect(missingPerson.code).toBe(1);
    expect(missingPerson.stderr).not.toContain('ninguem');
    for (const args of [[], ['--request-id', 'r1', sample.reversal], ['--idempotency-key', 'k'], ['not-an-id']]) {
      expect((await runInProcess('trace-transfer', args)).code).toBe(64);
    }
  });

  it("says a snapshot that does not hold its month's sum DISAGREES, with the figure the API answers", async () => {
    const account = sample.savings;
    // A wrong snapshot for November (not yet closed in the sample): 1 centavo too many.
    await t.pool.query(
      `INSERT INTO account_balance_snapshots (account_id, user_id, as_of, balance_cents, entry_count, created_at)
       VALUES ($1, $2, '2026-11-04T03:00:00Z', 70001, 2, now())`,
      [account, sample.personId],
    );
    try {
      const instant = '2026-11-04T11:00:00.000Z';
      const result = await runInProcess('balance-at', ['--account', account, '--at', instant, '--json']);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report).toMatchObject({ balance_cents: 70_001, ledger_balance_cents: 70_000, agrees: false });
      const api = expectStatus(await (await signIn()).get(`/api/accounts/${account}/balance?at=${instant}`), 200).json();
      expect(api.balance_cents).toBe(report.balance_cents);
      expect((await runInProcess('balance-at', ['--account', account, '--at', instant])).stdout).toContain('DISAGREES');
    } finally {
      await t.pool.query("DELETE FROM account_balance_snapshots WHERE account_id = $1 AND as_of = '2026-11-04T03:00:00Z'", [
        account,
      ]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// balance-at against a running sum

/** October's end in São Paulo, where a month-end snapshot sits: postings cluster around it. */
const MONTH_END_MS = Date.parse('2026-11-01T03:00:00Z');
const HOUR_MS = 3_600_000;
/** Postings fall within two days of the month end, reversals up to two days after them. */
const SPREAD_MS = 48 * HOUR_MS;

/** An instant near the month end, often exactly on it, a millisecond off, or on a round hour. */
const nearMonthEnd = fc.oneof(fc.constantFrom(0, -1, 1, -HOUR_MS, HOUR_MS), fc.integer({ min: -SPREAD_MS, max: SPREAD_MS }));

const posting = fc.record({
  kind: fc.constantFrom('income', 'expense', 'transfer'),
  amountCents: fc.integer({ min: 1, max: 1_000_000 }),
  offsetMs: nearMonthEnd,
  // A reversal, at the original's own instant (0) or later.
  reversalAfterMs: fc.option(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: SPREAD_MS })), { nil: undefined }),
});

interface ModelLeg {
  account: 'checking' | 'savings';
  amountCents: number;
  atMs: number;
}

function legsOf(kind: string, amountCents: number, atMs: number): ModelLeg[] {
  if (kind === 'income') return [{ account: 'checking', amountCents, atMs }];
  if (kind === 'expense') return [{ account: 'checking', amountCents: -amountCents, atMs }];
  return [
    { account: 'checking', amountCents: -amountCents, atMs },
    { account: 'savings', amountCents, atMs },
  ];
}

describe('balance-at against a running sum', () => {
  it('equals the sum of the postings up to and including each instant, and what the API answers', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(posting, { minLength: 1, maxLength: 8 }),
        fc.array(nearMonthEnd, { maxLength: 3 }),
        async (postings, probes) => {
          run += 1;
          clock.set(new Date(MONTH_END_MS - SPREAD_MS));
          const { token, user } = await registerUser(t.app, { name: `Pessoa ${run}` });
          const client = clientFor(t.app, token);
          const accounts = {
            checking: (await client.account({ name: 'Conta', type: 'checking', overdraft_limit_cents: 100_000_000 })).id,
            savings: (await client.account({ name: 'Poupança', type: 'savings' })).id,
          };
          const model: ModelLeg[] = [];
          const posted: { id: string; kind: string; amountCents: number; atMs: number; reversalAfterMs?: number }[] = [];
          for (const { kind, amountCents, offsetMs, reversalAfterMs } of postings) {
            const atMs = MONTH_END_MS + offsetMs;
            clock.set(new Date(atMs));
            const response =
              kind === 'transfer'
                ? await client.post('/api/transfers', {
                    from_account_id: accounts.checking,
                    to_account_id: accounts.savings,
                    amount_cents: amountCents,
                  })
                : await client.post('/api/transactions', {
                    account_id: accounts.checking,
                    type: kind,
                    amount_cents: amountCents,
                    description: 'x',
                  });
            posted.push({
              id: expectStatus(response, 201).json().transaction.id,
              kind,
              amountCents,
              atMs,
              ...(reversalAfterMs === undefined ? {} : { reversalAfterMs }),
            });
            model.push(...legsOf(kind, amountCents, atMs));
          }
          for (const { id, kind, amountCents, atMs, reversalAfterMs } of posted) {
            if (reversalAfterMs === undefined) continue;
            clock.set(new Date(atMs + reversalAfterMs));
            expectStatus(await client.post(`/api/transactions/${id}/reverse`, { allow_negative: true }), 201);
            model.push(...legsOf(kind, -amountCents, atMs + reversalAfterMs));
          }
          // Close October once every posting is in: later instants start from its snapshot.
          const lastMs = Math.max(...model.map((leg) => leg.atMs));
          await writeBalanceSnapshots(t.pool, new Date(Math.max(lastMs, MONTH_END_MS) + 2 * HOUR_MS));
          const instants = new Set<number>([
            MONTH_END_MS - 1,
            MONTH_END_MS,
            MONTH_END_MS + 1,
            ...probes.map((offset) => MONTH_END_MS + offset),
          ]);
          for (const leg of model) for (const delta of [-1, 0, 1]) instants.add(leg.atMs + delta);
          for (const instantMs of instants) {
            const instant = new Date(instantMs).toISOString();
            for (const account of ['checking', 'savings'] as const) {
              const expected = model
                .filter((leg) => leg.account === account && leg.atMs <= instantMs)
                .reduce((sum, leg) => sum + leg.amountCents, 0);
              const result = await runInProcess('balance-at', ['--account', accounts[account], '--at', instant, '--json']);
              const report = JSON.parse(result.stdout);
              const api = expectStatus(await client.get(`/api/accounts/${accounts[account]}/balance?at=${instant}`), 200).json();
              const seen = {
                instant,
                account,
                code: result.code,
                balance: report.balance_cents,
                ledger: report.ledger_balance_cents,
                api: api.balance_cents,
                entries: report.entry_count,
              };
              expect(seen).toEqual({
                ...seen,
                code: 0,
                balance: expected,
                ledger: expected,
                api: expected,
                entries: api.entry_count,
              });
            }
          }
          // The whole person at the last instant: every posting's legs sum to zero.
          const person = await runInProcess('balance-at', [
            '--person',
            user.id,
            '--at',
            new Date(lastMs).toISOString(),
            '--json',
          ]);
          expect(JSON.parse(person.stdout).total_cents, person.stderr).toBe(0);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
