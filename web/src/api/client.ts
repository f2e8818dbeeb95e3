import createClient from 'openapi-fetch';
import { noticeReadOnlyAnswer, setReadOnly } from '../lib/readOnly';
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

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The problem code of an answer, read from a copy so the caller still gets the body. */
async function problemCode(response: Response): Promise<string | undefined> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const body: unknown = await response.clone().json();
    const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every answer tells the app whether the server takes writes: a 503 read_only (to any
 * request) says it does not, which shows the banner and disables the write buttons; a write
 * that succeeded says it does again.
 */
api.use({
  async onResponse({ request, response }) {
    if (response.status === 503 && (await problemCode(response)) === 'read_only') {
      noticeReadOnlyAnswer(response.headers.get('retry-after'));
    } else if (response.ok && !READ_METHODS.has(request.method)) {
      setReadOnly(false);
    }
    return undefined;
  },
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
