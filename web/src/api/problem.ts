// RFC 9457 problem details as the server sends them, read defensively: the body of an
// error response is not trusted to have any particular shape.

export interface FieldProblem {
  /** Field name without a JSON-pointer prefix: `/email` and `email` both become `email`. */
  field: string;
  message: string;
  code: string;
}

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors: FieldProblem[];
  /**
   * The body's other members (RFC 9457 extension members), e.g. `available_cents` on
   * insufficient_funds or `current` on row_version_conflict. Read them with the helpers below.
   */
  extensions: Record<string, unknown>;
}

/** Codes the client makes up for failures that never reached a problem+json body. */
export const CLIENT_ERROR_CODES = {
  network: 'network_error',
  unknown: 'unknown',
} as const;

const FIELD_PROBLEMS_MAX = 50;
const STANDARD_MEMBERS: ReadonlySet<string> = new Set(['type', 'title', 'status', 'detail', 'code', 'errors', 'instance']);

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`API error ${problem.status}: ${problem.code}`);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}

export function normalizeFieldName(field: string): string {
  // Validation errors may name the field as a JSON pointer (`/email`, `/body/email`) or
  // plainly (`email`); the form only knows plain top-level names.
  const segments = field.split('/').filter((segment) => segment.length > 0);
  const last = segments[segments.length - 1];
  return last ?? '';
}

function readFieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value
    .slice(0, FIELD_PROBLEMS_MAX)
    .filter(isRecord)
    .map((item) => ({
      field: normalizeFieldName(stringOr(item.field, '')),
      message: stringOr(item.message, ''),
      code: stringOr(item.code, ''),
    }))
    .filter((item) => item.field.length > 0);
}

export function toProblem(body: unknown, status: number): Problem {
  if (!isRecord(body)) {
    return { status, code: CLIENT_ERROR_CODES.unknown, errors: [], extensions: {} };
  }
  const extensions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!STANDARD_MEMBERS.has(name)) extensions[name] = value;
  }
  const problem: Problem = {
    status: typeof body.status === 'number' ? body.status : status,
    code: stringOr(body.code, CLIENT_ERROR_CODES.unknown),
    errors: readFieldProblems(body.errors),
    extensions,
  };
  if (typeof body.title === 'string') problem.title = body.title;
  if (typeof body.detail === 'string') problem.detail = body.detail;
  return problem;
}

export function networkError(): ApiError {
  return new ApiError({ status: 0, code: CLIENT_ERROR_CODES.network, errors: [], extensions: {} });
}

/** An integer extension member of an API error (e.g. `available_cents`), if present. */
export function problemInteger(error: unknown, name: string): number | undefined {
  if (!isApiError(error)) return undefined;
  const value = error.problem.extensions[name];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** A string extension member of an API error (e.g. `account_id`), if present. */
export function problemString(error: unknown, name: string): string | undefined {
  if (!isApiError(error)) return undefined;
  const value = error.problem.extensions[name];
  return typeof value === 'string' ? value : undefined;
}

/** An object extension member of an API error (e.g. `current`), if present. */
export function problemRecord(error: unknown, name: string): Record<string, unknown> | undefined {
  if (!isApiError(error)) return undefined;
  const value = error.problem.extensions[name];
  return isRecord(value) ? value : undefined;
}
