import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createPool } from '../../src/db/pool.js';
import { embeddedPostgresLogWriter } from '../../src/observability/logging.js';

/**
 * The embedded server's own log, as main writes it at LOG_LEVEL=debug: what the server
 * prints (raw) and what reaches the app's log (written) must not quote the values of a
 * failed statement, even one whose values span lines.
 */
let dataDir: string;
let embedded: EmbeddedDatabase;
const raw: string[] = [];
const written: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vdp-embedded-log-'));
  const write = embeddedPostgresLogWriter((line) => written.push(line));
  embedded = await startEmbeddedDatabase({
    dataDir,
    onLog: (chunk) => {
      raw.push(chunk);
      write(chunk);
    },
  });
});

afterAll(async () => {
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Waits until the server has written the line that ends the test's failures. */
async function logged(marker: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!raw.join('').includes(marker)) {
    if (Date.now() > deadline) throw new Error(`the server did not log ${marker}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the embedded server log', () => {
  it('never carries the statement or a multi-line value of a failed statement into the app log', async () => {
    const pool = createPool(embedded.url, { max: 1 });
    try {
      expect((await pool.query('SHOW log_min_error_statement')).rows).toEqual([{ log_min_error_statement: 'panic' }]);
      await pool.query('CREATE TEMPORARY TABLE people (name text UNIQUE)');
      await pool.query(`INSERT INTO people VALUES (E'Maria\\nSilva')`);
      // The DETAIL quotes the key over two lines: "Key (name)=(Maria" then a tab and "Silva)".
      await expect(pool.query(`INSERT INTO people VALUES (E'Maria\\nSilva')`)).rejects.toMatchObject({ code: '23505' });
      await expect(pool.query(`SELECT 1 / 0 AS "end of test"`)).rejects.toMatchObject({ code: '22012' });
      await logged('division by zero');
    } finally {
      await pool.end();
    }
    const rawText = raw.join('');
    expect(rawText).toContain('Silva');
    expect(rawText).not.toContain('STATEMENT:');
    expect(written.join('\n')).not.toMatch(/Maria|Silva|people|end of test/);
    expect(written.filter((line) => line.includes('ERROR:'))).toHaveLength(2);
  });
});
