import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createPool } from './db/pool.js';
import { unexpectedErrorHandler } from './process-errors.js';

const CARRY_ON = 'a lost database connection reached no handler; carrying on, the pool reconnects';

/**
 * Errors as the pool's listeners see them: one emitted by a checked-out client, one by
 * the pool for an idle client. The pool never connects (nothing is queried).
 */
async function errorsThroughThePool(): Promise<Error[]> {
  const pool = createPool('postgres://nobody@127.0.0.1:1/none', { max: 1 });
  const client = new EventEmitter();
  pool.emit('connect', client);
  const fromClient = new Error('Connection terminated unexpectedly');
  client.emit('error', fromClient);
  const fromIdle = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  pool.emit('error', fromIdle, client);
  await pool.end();
  return [fromClient, fromIdle];
}

function setUp() {
  const logged: string[] = [];
  const exits: number[] = [];
  const shutdown = vi.fn(async () => {});
  const uninstall = vi.fn();
  const handle = unexpectedErrorHandler({
    logger: { error: (_fields: unknown, message?: string) => logged.push(String(message)) } as never,
    shutdown,
    uninstall,
    grace_ms: 60_000,
    exit: (code) => exits.push(code),
  });
  return { handle, logged, exits, shutdown, uninstall };
}

describe('unexpectedErrorHandler', () => {
  it('carries on after a lost database connection that escaped its handler', async () => {
    const { handle, logged, exits, shutdown } = setUp();
    for (const error of await errorsThroughThePool()) handle(error);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual([CARRY_ON, CARRY_ON]);
    expect(shutdown).not.toHaveBeenCalled();
    expect(exits).toEqual([]);
  });

  it.each([
    ['an ECONNRESET of another socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['an EPIPE', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    ['an EAI_AGAIN', Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' })],
    ['a "Connection terminated" no database client emitted', new Error('Connection terminated unexpectedly')],
    ['a 57P01 no database client emitted', Object.assign(new Error('terminating connection'), { code: '57P01' })],
  ])('stops after %s, which no database connection reported', async (_name, error) => {
    const { handle, logged, exits } = setUp();
    handle(error);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual(['stopping after an unexpected error']);
    expect(exits).toEqual([1]);
  });

  it('stops with exit code 1 after any other error, once', async () => {
    const { handle, logged, exits, shutdown, uninstall } = setUp();
    handle(new TypeError('a bug'));
    handle(new TypeError('a second bug while stopping'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual(['stopping after an unexpected error']);
    expect(uninstall).toHaveBeenCalledTimes(1);
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([1]);
  });
});
