import type { Breadcrumb, ErrorEvent, NodeOptions } from '@sentry/node';
import { sanitizedError, scrubText } from './errors.js';

/** How long a final report may take to leave before the process exits. */
export const SENTRY_FLUSH_TIMEOUT_MS = 2_000;
/** Deepest nesting of an event walked by the scrubber; deeper values are dropped. */
const EVENT_DEPTH_MAX = 12;

/** What an error report says about the request that failed: nothing a person typed. */
export interface ServerErrorContext {
  requestId: string;
  method: string;
  /** The route pattern (`/api/goals/:id`), never the URL with ids or a query string. */
  route: string;
  status: number;
  userId?: string | undefined;
}

export interface ErrorReporter {
  requestFailed(error: unknown, context: ServerErrorContext): void;
  jobFailed(error: unknown, context: { job: string }): void;
  processFailed(error: unknown): void;
  flush(timeoutMs?: number): Promise<void>;
}

/** Every string in the event scrubbed of e-mails, hashes and tokens, at any depth. */
function scrubValue(value: unknown, depth: number): unknown {
  if (depth > EVENT_DEPTH_MAX) return undefined;
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const scrubbed: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) scrubbed[key] = scrubValue(inner, depth + 1);
  return scrubbed;
}

/**
 * The second line of defence, run on every event just before it is sent: whatever an
 * integration or a future change attached, the request (body, cookies, headers, query
 * string), extra data and breadcrumbs go, the user keeps only `id`, and every remaining
 * string is scrubbed.
 */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { request: _request, extra: _extra, breadcrumbs: _breadcrumbs, user, ...rest } = event;
  const scrubbed = scrubValue(rest, 0) as ErrorEvent;
  if (user?.id !== undefined) scrubbed.user = { id: String(user.id) };
  return scrubbed;
}

/**
 * The SDK options: no default integrations (they attach request bodies, headers, cookies,
 * console output, local variables and outgoing-request breadcrumbs), no data collection,
 * no tracing (no traces sample rate, so no spans or transactions are sent), no breadcrumbs. Only linked errors (the cause chain, already sanitised) and
 * the runtime context are kept.
 */
export async function sentryOptions(dsn: string): Promise<NodeOptions> {
  const Sentry = await import('@sentry/node');
  return {
    dsn,
    defaultIntegrations: false,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.nodeContextIntegration()],
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
      frameContextLines: 0,
      graphQL: { document: false, variables: false },
      genAI: { inputs: false, outputs: false },
      mcp: { inputs: false, outputs: false },
    },
    maxBreadcrumbs: 0,
    sendClientReports: false,
    beforeBreadcrumb: (_breadcrumb: Breadcrumb) => null,
    beforeSend: (event) => scrubEvent(event),
  };
}

/**
 * Starts Sentry when a DSN is configured and returns the one way the process reports
 * errors to it. Each report is built from a sanitised copy of the error (see
 * observability/errors.ts), so the SDK never sees a raw message that could hold row
 * values or query parameters.
 */
export async function initSentry(dsn: string | undefined): Promise<ErrorReporter | undefined> {
  if (!dsn) return undefined;
  const Sentry = await import('@sentry/node');
  Sentry.init(await sentryOptions(dsn));
  return {
    requestFailed(error, context) {
      Sentry.captureException(sanitizedError(error), {
        level: 'error',
        tags: {
          request_id: context.requestId,
          route: context.route,
          method: context.method,
          status: String(context.status),
        },
        ...(context.userId ? { user: { id: context.userId } } : {}),
      });
    },
    jobFailed(error, context) {
      Sentry.captureException(sanitizedError(error), { level: 'error', tags: { job: context.job } });
    },
    processFailed(error) {
      Sentry.captureException(sanitizedError(error), { level: 'fatal', tags: { stage: 'process' } });
    },
    async flush(timeoutMs = SENTRY_FLUSH_TIMEOUT_MS) {
      await Sentry.flush(timeoutMs);
    },
  };
}
