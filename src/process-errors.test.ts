import { describe, expect, it, vi } from 'vitest';
import { unexpectedErrorHandler } from './process-errors.js';

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
    handle(new Error('Connection terminated unexpectedly'));
    handle(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual([
      'a lost database connection reached no handler; carrying on, the pool reconnects',
      'a lost database connection reached no handler; carrying on, the pool reconnects',
    ]);
    expect(shutdown).not.toHaveBeenCalled();
    expect(exits).toEqual([]);
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
