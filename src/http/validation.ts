import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { daysInMonth } from '../lib/calendar.js';
import { isLowerCaseUuid } from '../lib/ids.js';

/**
 * Request validation for every route, in one place.
 *
 * Validation must cost time linear in the request and answer small: Ajv stops at the
 * first error (`allErrors: false`), so a `pattern` never runs on a string whose
 * `maxLength` already failed, and a body of a million unknown keys gives one error, not a
 * million. Before Ajv sees a value, one walk refuses U+0000 and unpaired UTF-16
 * surrogates in every string and every object key of every part (body, querystring,
 * params, headers): PostgreSQL cannot store U+0000 in text or jsonb, and an unpaired
 * surrogate cannot be encoded as UTF-8, so either would otherwise fail (or be silently
 * altered) deep inside a write. The formats the schemas use are replaced by strict ones
 * that accept only what `new Date()`, PostgreSQL and the services read the same way.
 */

// Node 20 has these (ES2024); the project's TypeScript lib is ES2023, so they are declared here.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

// ajv-formats is CommonJS; under NodeNext its function is the module's `default` property.
const addFormats = addFormatsModule.default;

/** The keyword (and so the `errors[].code`) a string with U+0000 or a lone surrogate gets. */
export const UNSAFE_TEXT_KEYWORD = 'text';
export const UNSAFE_TEXT_MESSAGE = 'must not contain U+0000 or an unpaired surrogate';

/** Years a date or timestamp may name: PostgreSQL has no year 0, and four digits is the format. */
const YEAR_MIN = 1;
const YEAR_MAX = 9999;
/**
 * The widest UTC offset in use (Kiribati, +14:00; the lowest is −12:00). PostgreSQL refuses
 * offsets past 15:59, so a bound here keeps a timestamp readable by every layer.
 */
const UTC_OFFSET_HOURS_MAX = 14;
/**
 * The instants those years span in UTC. A written date inside them can still fall outside
 * once its offset is applied (9999-12-31T23:59:59-12:00 is in year 10000), and
 * toISOString() then writes a six-digit year that no other layer reads.
 */
const INSTANT_MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const INSTANT_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time with seconds and an explicit offset; at most nanosecond precision.
const DATE_TIME_SHAPE = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** A calendar day YYYY-MM-DD that exists, in years 0001–9999. */
export function isCalendarDate(text: string): boolean {
  const match = DATE_SHAPE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12) return false;
  return day >= 1 && day <= daysInMonth(year, month);
}

/**
 * An RFC 3339 timestamp that JavaScript can represent: no leap second (23:59:60 has no
 * Date), no hour 24, an offset of at most ±14:00, and an instant that is in years
 * 0001–9999 in UTC too.
 */
export function isTimestamp(text: string): boolean {
  const match = DATE_TIME_SHAPE.exec(text);
  if (!match || !isCalendarDate(match[1] ?? '')) return false;
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4])];
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (match[5] !== undefined && (Number(match[5]) > UTC_OFFSET_HOURS_MAX || Number(match[6]) > 59)) return false;
  const instant_ms = Date.parse(text);
  return Number.isFinite(instant_ms) && instant_ms >= INSTANT_MIN_MS && instant_ms <= INSTANT_MAX_MS;
}

export function isUnsafeText(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

/** A JSON Pointer token (RFC 6901); a hostile key is shown with its bad characters replaced. */
function pointerToken(key: string): string {
  return key.replaceAll('\u0000', '\ufffd').toWellFormed().replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Where the walk is: a container, how it was reached, and the way back to the root. */
interface Visit {
  value: object;
  parent: Visit | undefined;
  key: string;
}

function pointerOf(parent: Visit | undefined, key: string): string {
  const tokens = [pointerToken(key)];
  for (let at = parent; at?.parent !== undefined; at = at.parent) tokens.push(pointerToken(at.key));
  return `/${tokens.reverse().join('/')}`;
}

/**
 * The JSON Pointer of the first string or key holding U+0000 or an unpaired surrogate,
 * or undefined. The walk keeps its own stack, so a deeply nested body cannot overflow
 * the call stack; it touches each value once and allocates only per object or array, so
 * a megabyte of small fields costs a few milliseconds.
 */
export function findUnsafeText(root: unknown): string | undefined {
  if (typeof root === 'string') return isUnsafeText(root) ? '' : undefined;
  if (root === null || typeof root !== 'object') return undefined;
  const stack: Visit[] = [{ value: root, parent: undefined, key: '' }];
  // Returns the pointer of a bad item, or queues a container item for its own visit.
  const check = (visit: Visit, key: string, item: unknown): string | undefined => {
    if (typeof item === 'string') return isUnsafeText(item) ? pointerOf(visit, key) : undefined;
    if (item !== null && typeof item === 'object') stack.push({ value: item, parent: visit, key });
    return undefined;
  };
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const container = visit.value;
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index += 1) {
        const found = check(visit, String(index), container[index]);
        if (found !== undefined) return found;
      }
      continue;
    }
    for (const [key, item] of Object.entries(container)) {
      if (isUnsafeText(key)) return pointerOf(visit, key);
      const found = check(visit, key, item);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function unsafeTextError(instancePath: string): ErrorObject {
  return { instancePath, schemaPath: '#', keyword: UNSAFE_TEXT_KEYWORD, params: {}, message: UNSAFE_TEXT_MESSAGE };
}

/**
 * Most field errors one answer lists. Ajv already stops at the first failing keyword,
 * but a union (anyOf) reports each branch it tried; those name the same field.
 */
export const VALIDATION_ERRORS_MAX = 10;

function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const child = params.missingProperty ?? params.additionalProperty;
  return typeof child === 'string' ? `${error.instancePath}/${child}` : error.instancePath;
}

/** The first error for each field, at most VALIDATION_ERRORS_MAX of them. */
function firstPerField(errors: ErrorObject[] | null | undefined): ErrorObject[] | null | undefined {
  if (!errors) return errors;
  const seen = new Set<string>();
  return errors.filter((error) => !seen.has(fieldOf(error)) && seen.add(fieldOf(error))).slice(0, VALIDATION_ERRORS_MAX);
}

type Validator = ((data: unknown, context?: unknown) => boolean) & {
  errors?: ErrorObject[] | null;
  schemaEnv?: unknown;
};

/**
 * Wraps an Ajv validator with the unsafe-text walk. Fastify hands Ajv validators (those
 * with `schemaEnv`) the request as parent data so defaults and coercion can replace the
 * root value; the wrapper keeps that property and passes the context through.
 */
function guarded(validate: ValidateFunction): Validator {
  const wrapper: Validator = (data, context) => {
    const unsafe = findUnsafeText(data);
    if (unsafe !== undefined) {
      wrapper.errors = [unsafeTextError(unsafe)];
      return false;
    }
    const valid = (validate as (data: unknown, context?: unknown) => boolean)(data, context);
    wrapper.errors = firstPerField(validate.errors);
    return valid;
  };
  wrapper.schemaEnv = validate.schemaEnv;
  return wrapper;
}

function strictAjv(options: { coerceTypes: false | 'array' }, sharedSchemas: readonly AnySchema[]): Ajv {
  const ajv = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats(ajv);
  // Replace ajv-formats' lenient versions: they accept a leap second, a "+03" offset,
  // year 0000 and "urn:uuid:" prefixes, which Date, PostgreSQL or both then refuse; and
  // upper-case UUIDs, which the services would compare as other ids than the database's.
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  ajv.addFormat('date-time', { type: 'string', validate: isTimestamp });
  ajv.addFormat('uuid', { type: 'string', validate: isLowerCaseUuid });
  for (const schema of sharedSchemas) ajv.addSchema(schema);
  return ajv;
}

/**
 * The validator compiler for the whole app. Bodies are validated without type coercion
 * (the string "100" is not an amount), while query strings, path parameters and headers,
 * which are always text, are coerced.
 */
export function createValidatorCompiler(sharedSchemas: readonly AnySchema[]): FastifySchemaCompiler<FastifySchema> {
  const body = strictAjv({ coerceTypes: false }, sharedSchemas);
  const text = strictAjv({ coerceTypes: 'array' }, sharedSchemas);
  return ({ schema, httpPart }) => guarded((httpPart === 'body' ? body : text).compile(schema as AnySchema));
}
