import createClient from 'openapi-fetch';
import { ApiError, networkError, toProblem } from './problem';
import type { paths } from './schema';

/**
 * The server requires this header on every cookie-authenticated write as a CSRF defence
 * (a cross-site form cannot set it); sending it on every request keeps that simple.
 */
const CSRF_HEADER = { 'X-Requested-With': 'vai-de-pix' } as const;

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // The session lives in an httpOnly cookie set by the server; the SPA never sees a token.
  credentials: 'same-origin',
  headers: CSRF_HEADER,
});

interface FetchOutcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Awaits an `api.GET/POST/...` call and returns its body, or throws an `ApiError` built
 * from the problem+json body (or a network error when the request never got an answer).
 * Generic over the call so it keeps working when `schema.d.ts` is regenerated.
 */
export async function unwrap<T>(request: Promise<FetchOutcome<T>>): Promise<T> {
  let outcome: FetchOutcome<T>;
  try {
    outcome = await request;
  } catch {
    throw networkError();
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    throw new ApiError(toProblem(error, response.status));
  }
  return data as T;
}
