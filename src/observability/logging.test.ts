import { describe, expect, it } from 'vitest';
import { EMBEDDED_LOG_LINE_LENGTH_MAX, embeddedPostgresLogLine, embeddedPostgresLogWriter } from './logging.js';

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

describe('embeddedPostgresLogWriter', () => {
  /** A failed insert as PostgreSQL writes it to stderr: a tab follows every newline inside a message. */
  const FAILURE = [
    `${PREFIX} ERROR:  duplicate key value violates unique constraint "users_email_key"`,
    `${PREFIX} DETAIL:  Key (email)=(maria@example.com) already exists.`,
    `${PREFIX} STATEMENT:  INSERT INTO users (email, name)`,
    `\tVALUES ('maria@example.com', 'Maria Silva')`,
    `${PREFIX} LOG:  checkpoint starting: time`,
    '',
  ].join('\n');
  const EXPECTED = [`${PREFIX} ERROR: (message withheld: it can quote row values)`, `${PREFIX} LOG:  checkpoint starting: time`];

  function written(chunks: string[]): string[] {
    const lines: string[] = [];
    const write = embeddedPostgresLogWriter((line) => lines.push(line));
    for (const chunk of chunks) write(chunk);
    return lines;
  }

  it('judges whole lines wherever the chunks are cut, and drops the rest of a dropped message', () => {
    for (let cut = 0; cut <= FAILURE.length; cut += 1) {
      const lines = written([FAILURE.slice(0, cut), FAILURE.slice(cut)]);
      expect(lines, `cut at ${cut}`).toEqual(EXPECTED);
    }
    expect(written([...FAILURE])).toEqual(EXPECTED);
  });

  it('keeps, scrubbed, the continuation of a message it keeps', () => {
    const text = `${PREFIX} LOG:  could not reach maria@example.com\n\tsecond line\n`;
    expect(written([text])).toEqual([`${PREFIX} LOG:  could not reach [email]`, 'second line']);
  });

  it('drops the package marker before a chunk of stderr, and bounds a line', () => {
    const long = `${PREFIX} LOG:  ${'x'.repeat(EMBEDDED_LOG_LINE_LENGTH_MAX * 2)}`;
    const next = `${PREFIX} LOG:  database system is ready to accept connections`;
    const chunks = ['[STDERR] initdb: ', 'warning: enabling "trust"\n', long.slice(0, 5_000), `${long.slice(5_000)}\n${next}\n`];
    const lines = written(chunks);
    // The long line is cut once assembled, then once more by the scrubber, as every message is.
    expect(lines).toEqual(['initdb: warning: enabling "trust"', `${long.slice(0, 500)}…`, next]);
  });

  it('writes nothing of a line that is never finished', () => {
    expect(written([`${PREFIX} LOG:  unfinished`])).toEqual([]);
  });
});
