import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Answer, OPENING_BALANCE_CENTS, post, sleep } from './support.js';

/**
 * A Jepsen-style record of a load: every attempt of every request (its Idempotency-Key,
 * body, start, end and outcome), and a checker that reads the ledger afterwards and holds
 * each key to what its client was told.
 */

export type Operation =
  | { kind: 'transfer'; from_account_id: string; to_account_id: string; amount_cents: number }
  | { kind: 'income' | 'expense'; account_id: string; amount_cents: number };

export interface Attempt {
  client: number;
  key: string;
  operation: Operation;
  startedMs: number;
  endedMs: number;
  status: number;
  code: string | undefined;
  replayed: boolean;
  retryAfter: string | null;
  text: string;
  transactionId: string | undefined;
}

export interface ClientPlan {
  operations: Operation[];
  /** Attempts per key before this client gives up on it and moves to its next operation. */
  attemptsMax: number;
}

const RETRY_PAUSE_MS = 50;

/** What a client retries with the same key: no answer, a 5xx (503 above all), or the key still in flight. */
export function isRetryable(answer: Pick<Answer, 'status' | 'code'> | Pick<Attempt, 'status' | 'code'>): boolean {
  return answer.status === 0 || answer.status >= 500 || (answer.status === 409 && answer.code === 'idempotency_key_in_use');
}

/** The request each operation is: its path and its body; the key is its description, so the ledger names it. */
function request(operation: Operation, key: string): { path: string; body: Record<string, unknown> } {
  if (operation.kind === 'transfer') {
    const { kind: _kind, ...body } = operation;
    return { path: '/api/transfers', body: { ...body, description: key } };
  }
  return {
    path: '/api/transactions',
    body: { account_id: operation.account_id, type: operation.kind, amount_cents: operation.amount_cents, description: key },
  };
}

/** Runs each client's operations in order, retrying each with its own key; resolves when all are done. */
export async function runClients(base: string, token: string, plans: ClientPlan[], history: Attempt[]): Promise<void> {
  const origin = Date.now();
  const runOne = async (client: number, plan: ClientPlan) => {
    for (const operation of plan.operations) {
      const key = randomUUID();
      const { path, body } = request(operation, key);
      for (let attempt = 0; attempt < plan.attemptsMax; attempt += 1) {
        const startedMs = Date.now() - origin;
        const answer = await post(`${base}${path}`, token, body, key);
        const transaction = answer.body.transaction as { id?: unknown } | undefined;
        history.push({
          client,
          key,
          operation,
          startedMs,
          endedMs: Date.now() - origin,
          status: answer.status,
          code: answer.code,
          replayed: answer.replayed,
          retryAfter: answer.retryAfter,
          text: answer.text,
          transactionId: typeof transaction?.id === 'string' ? transaction.id : undefined,
        });
        if (!isRetryable(answer)) break;
        await sleep(RETRY_PAUSE_MS + Math.floor(Math.random() * RETRY_PAUSE_MS));
      }
    }
  };
  await Promise.all(plans.map((plan, client) => runOne(client, plan)));
}

/** The legs an operation should leave on the person's own accounts. */
function expectedLegs(operation: Operation): Map<string, number> {
  if (operation.kind === 'transfer') {
    return new Map([
      [operation.from_account_id, -operation.amount_cents],
      [operation.to_account_id, operation.amount_cents],
    ]);
  }
  return new Map([[operation.account_id, operation.kind === 'income' ? operation.amount_cents : -operation.amount_cents]]);
}

interface Effect {
  id: string;
  kind: string;
  description: string;
  idempotency_key: string | null;
  legs: Record<string, string>;
}

/** Every movement besides the openings that touches the given accounts, with its legs on them. */
async function readEffects(pool: pg.Pool, accountIds: string[]): Promise<Effect[]> {
  const found = await pool.query<Effect>(
    `SELECT t.id, t.kind, t.description, t.idempotency_key,
            coalesce(jsonb_object_agg(e.account_id, e.amount_cents::text) FILTER (WHERE e.account_id = ANY($1::uuid[])), '{}') AS legs
       FROM transactions t JOIN ledger_entries e ON e.transaction_id = t.id
      WHERE t.kind <> 'opening'
      GROUP BY t.id
     HAVING count(*) FILTER (WHERE e.account_id = ANY($1::uuid[])) > 0`,
    [accountIds],
  );
  return found.rows;
}

export interface Verdict {
  violations: string[];
  keys: number;
  answered: number;
  gaveUp: number;
  gaveUpWithEffect: number;
  /** Keys whose first 2xx was a replay: an earlier attempt took effect and its answer was lost. */
  answeredByReplay: number;
  attempts: number;
  /** The balances the history implies for each account: opening plus every effect found. */
  expectedBalances: Map<string, number>;
}

function sameLegs(effect: Effect, operation: Operation): boolean {
  const expected = expectedLegs(operation);
  const actual = Object.entries(effect.legs);
  return actual.length === expected.size && actual.every(([account, cents]) => expected.get(account) === Number(cents));
}

/**
 * Holds the ledger to the history: a key answered 2xx took effect exactly once, with the
 * legs its body asked for and the transaction its answer named; a key never answered took
 * effect at most once; a key answered 4xx took none; every 2xx of one key carried the same
 * bytes; no movement exists that no request asked for.
 */
export async function checkHistory(pool: pg.Pool, history: Attempt[], accountIds: string[]): Promise<Verdict> {
  const byKey = new Map<string, Attempt[]>();
  for (const attempt of history) byKey.set(attempt.key, [...(byKey.get(attempt.key) ?? []), attempt]);
  const effects = await readEffects(pool, accountIds);
  const effectsByKey = new Map<string, Effect[]>();
  for (const effect of effects) effectsByKey.set(effect.description, [...(effectsByKey.get(effect.description) ?? []), effect]);

  const violations: string[] = [];
  const expectedBalances = new Map(accountIds.map((id) => [id, OPENING_BALANCE_CENTS]));
  const verdict = { keys: byKey.size, answered: 0, gaveUp: 0, gaveUpWithEffect: 0, answeredByReplay: 0 };
  for (const [key, attempts] of byKey) {
    const operation = (attempts[0] as Attempt).operation;
    const took = effectsByKey.get(key) ?? [];
    const successes = attempts.filter((attempt) => attempt.status >= 200 && attempt.status < 300);
    const refusals = attempts.filter((attempt) => attempt.status >= 400 && attempt.status < 500 && !isRetryable(attempt));
    for (const effect of took) {
      if (!sameLegs(effect, operation)) violations.push(`${key}: legs ${JSON.stringify(effect.legs)} do not match the request`);
      if (effect.idempotency_key !== key) violations.push(`${key}: stored with Idempotency-Key ${effect.idempotency_key}`);
      for (const [account, cents] of expectedLegs(operation)) {
        expectedBalances.set(account, (expectedBalances.get(account) ?? 0) + cents);
      }
    }
    if (successes.length > 0) {
      verdict.answered += 1;
      if (took.length !== 1) violations.push(`${key}: answered ${successes[0]?.status} but took effect ${took.length} times`);
      const first = successes[0] as Attempt;
      if (took.length === 1 && took[0]?.id !== first.transactionId) {
        violations.push(`${key}: answered transaction ${first.transactionId}, the ledger holds ${took[0]?.id}`);
      }
      for (const later of successes.slice(1)) {
        if (later.text !== first.text) violations.push(`${key}: a replay answered other bytes than the first answer`);
      }
      if (first.replayed) verdict.answeredByReplay += 1;
    } else if (refusals.length > 0) {
      if (took.length !== 0) violations.push(`${key}: refused ${refusals[0]?.status} but took effect ${took.length} times`);
    } else {
      verdict.gaveUp += 1;
      if (took.length > 1) violations.push(`${key}: never answered and took effect ${took.length} times`);
      if (took.length === 1) verdict.gaveUpWithEffect += 1;
    }
  }
  for (const [description, took] of effectsByKey) {
    if (!byKey.has(description)) violations.push(`a movement nobody asked for: ${took.map((effect) => effect.id).join(', ')}`);
  }
  return { ...verdict, violations, attempts: history.length, expectedBalances };
}

/** Attempts counted by outcome, e.g. { 201: 40, 0: 6, "503 database_unavailable": 3 }. */
export function outcomes(history: Attempt[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const attempt of history) {
    const label =
      attempt.code && attempt.status !== 0 && attempt.status >= 400
        ? `${attempt.status} ${attempt.code}`
        : String(attempt.status);
    counted[label] = (counted[label] ?? 0) + 1;
  }
  return counted;
}
