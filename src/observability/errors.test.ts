import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMAIL_PATTERN } from '../modules/auth/auth.schemas.js';
import { sanitizedError, scrubText, serializeError } from './errors.js';

const EMAIL = 'maria.souza@example.com';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$K5/cAg5WBe9vsXeiXGaOBQ$l62ikwEfLhg5OnxThPApYe5lSIL3Pg4L0S1AO4XGDf4';
const TOKEN = 'uiI5JAimwuoArnrcYE30H9hbtEdMIS17hsTTTaZPghY';

/** What node-postgres builds from an ErrorResponse, with the server's fields. */
function postgresError(): Error {
  return Object.assign(new Error(`duplicate key value violates unique constraint "users_email_key"`), {
    name: 'error',
    severity: 'ERROR',
    code: '23505',
    detail: `Key (email)=(${EMAIL}) already exists.`,
    hint: HASH,
    where: `SQL statement "INSERT INTO users VALUES ('${EMAIL}', '${HASH}')"`,
    internalQuery: `SELECT '${EMAIL}'`,
    schema: 'public',
    table: 'users',
    constraint: 'users_email_key',
    routine: '_bt_check_unique',
  });
}

/** A query builder's wrapper, as Drizzle throws it: parameters in the message and fields. */
function queryError(cause: unknown): Error {
  return Object.assign(new Error(`Failed query: insert into "users" values ($1, $2)\nparams: ${EMAIL},${HASH}`), {
    name: 'DrizzleQueryError',
    query: 'insert into "users" values ($1, $2)',
    params: [EMAIL, HASH],
    cause,
  });
}

describe('serializeError', () => {
  it('keeps only SQLSTATE, severity and schema names of a PostgreSQL error, and frames without the message', () => {
    const serialized = serializeError(postgresError());
    expect(serialized).toMatchObject({
      type: 'DatabaseError',
      code: '23505',
      severity: 'ERROR',
      constraint: 'users_email_key',
      table: 'users',
      schema: 'public',
      routine: '_bt_check_unique',
    });
    expect(serialized.stack).toMatch(/^\s+at /);
    const text = JSON.stringify(serialized);
    for (const secret of [EMAIL, HASH, 'already exists', 'INSERT', 'SELECT']) expect(text).not.toContain(secret);
  });

  it('describes a query error wrapping a PostgreSQL error as that error, without message or parameters', () => {
    const serialized = serializeError(queryError(postgresError()));
    expect(serialized).toMatchObject({ type: 'DatabaseError', code: '23505', wrapped_in: 'DrizzleQueryError' });
    const text = JSON.stringify(serialized);
    for (const secret of [EMAIL, HASH, 'Failed query', 'params']) expect(text).not.toContain(secret);
  });

  it('withholds the message of a query error whose cause is not from PostgreSQL', () => {
    const serialized = serializeError(queryError(new Error('Connection terminated unexpectedly')));
    expect(serialized.message).toMatch(/withheld/);
    expect(serialized.cause?.message).toBe('Connection terminated unexpectedly');
    expect(JSON.stringify(serialized)).not.toContain(EMAIL);
  });

  it('keeps the type, code and scrubbed message of other errors, and their causes described the same way', () => {
    const error = Object.assign(new Error(`cannot notify ${EMAIL} with Bearer ${TOKEN}`, { cause: postgresError() }), {
      code: 'ECONNRESET',
      secretField: EMAIL,
    });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({ type: 'Error', code: 'ECONNRESET', cause: { code: '23505' } });
    expect(serialized.message).toBe('cannot notify [email] with Bearer [token]');
    const text = JSON.stringify(serialized);
    for (const secret of [EMAIL, TOKEN, HASH]) expect(text).not.toContain(secret);
  });

  it('is safe for whatever is thrown: strings, objects, null, cycles of causes', () => {
    expect(serializeError(`user ${EMAIL}`)).toEqual({ type: 'string', message: 'user [email]', stack: '' });
    expect(serializeError(null)).toEqual({ type: 'null', message: '', stack: '' });
    expect(JSON.stringify(serializeError({ email: EMAIL, password: HASH }))).not.toContain(EMAIL);
    const looped = new Error('a') as Error & { cause?: unknown };
    looped.cause = looped;
    expect(() => JSON.stringify(serializeError(looped))).not.toThrow();
  });

  it('bounds the length of a message', () => {
    expect(serializeError(new Error('x'.repeat(10_000))).message.length).toBeLessThan(600);
  });
});

describe('scrubText', () => {
  it('replaces e-mails, password hashes, bearer tokens and session tokens', () => {
    expect(scrubText(`${EMAIL} ${HASH} Bearer abc.def ${TOKEN}`)).toBe('[email] [hash] Bearer [token] [token]');
  });

  it('masks every address the e-mail schema accepts, whatever its characters, with what clings to it', () => {
    for (const address of ['a@x.12', 'ana@exemplo.рф', 'joão@correio.com.br', "o'neil@x.com", 'a=b@x.io', '(x)@y.z']) {
      expect(new RegExp(EMAIL_PATTERN).test(address), address).toBe(true);
      expect(scrubText(`could not notify ${address} today`)).toBe('could not notify [email] today');
    }
    expect(scrubText('Key (email)=(a@x.12) already exists.')).toBe('Key [email] already exists.');
    expect(scrubText("values ('maria@example.com', 'Maria')")).toBe("values [email] 'Maria')");
    expect(scrubText('Cannot find module @fastify/cookie or user@localhost')).toBe(
      'Cannot find module @fastify/cookie or user@localhost',
    );
  });

  it('masks any address the e-mail schema accepts (property)', () => {
    const schema = new RegExp(EMAIL_PATTERN);
    fc.assert(
      fc.property(fc.stringMatching(schema), fc.nat(600), (written, offset) => {
        const address = written.trim();
        const local = address.slice(0, address.indexOf('@'));
        // Anywhere in the message, even straddling the length bound.
        const scrubbed = scrubText(`${'x '.repeat(offset / 2)}notify ${address} now`);
        expect(scrubbed).not.toContain(`${local}@`);
        expect(scrubbed.includes(address)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('recognises a secret that straddles the length bound before cutting', () => {
    const padding = 'x '.repeat(245);
    for (const secret of ['maria.souza@example.com', TOKEN]) {
      const scrubbed = scrubText(`${padding}${secret} and more`);
      expect(scrubbed.length).toBeLessThanOrEqual(501);
      expect(scrubbed).not.toContain(secret.slice(0, 8));
    }
  });
});

describe('sanitizedError', () => {
  it('gives an error reporter a fresh Error with the safe message, the frames and the cause chain', () => {
    const sanitized = sanitizedError(queryError(postgresError()));
    expect(sanitized.message).toBe('PostgreSQL error 23505 (constraint users_email_key)');
    expect(sanitized.name).toBe('DatabaseError');
    expect(sanitized.stack).toMatch(/\n\s+at /);
    expect(JSON.stringify({ message: sanitized.message, stack: sanitized.stack })).not.toContain(EMAIL);
  });
});
