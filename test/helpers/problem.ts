import { expect } from 'vitest';

type Answer = { statusCode: number; body: string; headers: Record<string, unknown>; json: () => unknown };

/**
 * A refusal is its status and its problem code together: a 404 for the wrong reason (a
 * route that moved, say) must not pass a test that meant "no such account".
 */
export function expectProblem(response: Answer, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(response.json(), response.body).toMatchObject({ status, code });
}

/** A setup write is asserted too: a test built on a write that silently failed proves nothing. */
export function expectStatus<T extends Answer>(response: T, status: number): T {
  expect(response.statusCode, response.body).toBe(status);
  return response;
}
