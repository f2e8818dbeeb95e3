import { describe, expect, it } from 'vitest';
import { embeddedPostgresLogLine } from './logging.js';

const PREFIX = '2026-11-30 20:50:01.123 UTC [4242]';

describe('embeddedPostgresLogLine', () => {
  it('drops the lines that quote values or statements', () => {
    for (const line of [
      `${PREFIX} DETAIL:  Key (email)=(maria@example.com) already exists.`,
      `${PREFIX} DETAIL:  Failing row contains (1, maria@example.com, $argon2id$v=19$m=19456,t=2,p=1$abc$def).`,
      `${PREFIX} STATEMENT:  insert into "users" ("email") values ($1)`,
      `${PREFIX} CONTEXT:  PL/pgSQL function f() line 3 at RAISE`,
      '   ',
    ]) {
      expect(embeddedPostgresLogLine(line)).toBeUndefined();
    }
  });

  it('keeps only the severity of a statement-level message', () => {
    expect(embeddedPostgresLogLine(`${PREFIX} ERROR:  refusing row {"email": "maria@example.com"}`)).toBe(
      `${PREFIX} ERROR: (message withheld: it can quote row values)`,
    );
  });

  it('keeps server lifecycle lines', () => {
    const line = `${PREFIX} LOG:  database system is ready to accept connections`;
    expect(embeddedPostgresLogLine(line)).toBe(line);
  });
});
