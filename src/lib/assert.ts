/**
 * Assertions catch programmer errors: a broken invariant is a bug, so the process
 * reports it loudly (500, logged) instead of carrying on with wrong state. Expected
 * failures (bad input, insufficient funds) are DomainErrors, never assertions.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
