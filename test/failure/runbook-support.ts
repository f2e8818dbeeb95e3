import { spawn } from 'node:child_process';
import pg from 'pg';

export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command of the playbook as an operator runs it, against the test database only. */
function run(file: string, args: readonly string[], databaseUrl: string, env: NodeJS.ProcessEnv = {}): Promise<CommandRun> {
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, VDP_TEST_ADMIN_URL: _admin, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      env: { ...inherited, LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run ops -- <args>`: what the playbook's lines run. */
export function ops(args: readonly string[], databaseUrl: string): Promise<CommandRun> {
  return run('src/cli/ops.ts', args, databaseUrl);
}

/** `npm run backup -- …` / `npm run restore -- …`. */
export function backupCommand(name: 'backup' | 'restore', args: readonly string[], databaseUrl: string): Promise<CommandRun> {
  return run(`src/cli/${name}.ts`, args, databaseUrl);
}

/** `npm run job -- <name>`. */
export function job(name: string, databaseUrl: string): Promise<CommandRun> {
  return run('src/cli/job.ts', [name], databaseUrl);
}

/** The command's output and exit code, for an assertion's message. */
export function shown(result: CommandRun): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/**
 * Runs `fn` in one transaction on a connection of its own with the database's own checks off
 * (session_replication_role = replica skips triggers, the deferred balance check and the foreign
 * keys; it needs a superuser, as the test server's postgres is): how a half-written posting or
 * an entry on a foreign account can exist at all.
 */
export async function withChecksOff(databaseUrl: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await fn(client);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * Waits (bounded) until `sessions` sessions of the database other than this one wait on a lock,
 * or until `unless` settles first (the command ended without ever waiting).
 */
export async function untilSomeoneWaitsOnALock(
  pool: pg.Pool,
  database: string,
  unless: Promise<unknown>,
  sessions = 1,
): Promise<void> {
  let settled = false;
  unless.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let check = 0; check < 600 && !settled; check += 1) {
    const waiting = await pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      [database],
    );
    if ((waiting.rowCount ?? 0) >= sessions) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!settled) throw new Error('no session came to wait on a lock within 30 s');
}
