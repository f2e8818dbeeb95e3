import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lchown, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedStartError, type Placement } from './embedded-placement.js';

const run = promisify(execFile);

/**
 * The embedded PostgreSQL server process: initdb, start, stop, and the two ways a server
 * outliving its app is ended — a watchdog that stops it when the app dies, and, at the next
 * start, a check of postmaster.pid that stops a server still serving this cluster.
 */

/** What the server prints once it accepts connections (its messages are in English: lc_messages=C). */
const READY_MESSAGE = 'database system is ready to accept connections';
/** How much of the server's output is kept to explain a failed start. */
const OUTPUT_KEPT_CHARS = 2_000;
/** A fast shutdown (SIGINT) gets this long before the immediate one (SIGQUIT). */
export const STOP_FAST_WAIT_MS = 30_000;
/** After SIGQUIT, this long before giving up. */
const STOP_IMMEDIATE_WAIT_MS = 10_000;
const EXIT_POLL_MS = 100;

export interface ServerProcess {
  /** Creates the cluster; only when it has no PG_VERSION yet. */
  initialise(password: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: ChildProcess;
}

/** Every server this process started and has not seen exit: stopped when the process exits. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort when the process exits without stopping its server: a fast shutdown. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
}

/**
 * A shell that waits on a pipe only this process writes to: when the process dies, even by
 * kill -9, the pipe closes and the shell sends the server SIGINT (a fast shutdown). It is
 * killed as soon as the server exits, so it never signals a pid reused by another process.
 */
function watchParent(server: ChildProcess): void {
  if (server.pid === undefined) return;
  const watchdog = spawn('sh', ['-c', 'read -r _line; kill -INT "$1" 2>/dev/null', 'vai-de-pix-watchdog', String(server.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    cwd: '/',
    // Its own process group, like the server's: a Ctrl-C in the terminal is for the app.
    detached: true,
  });
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  server.once('exit', () => watchdog.kill('SIGKILL'));
}

/** The pid's command name and whether it is still running (a zombie is not), from /proc. */
async function processStatus(pid: number): Promise<{ command: string; live: boolean } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return { command, live: state !== 'Z' && state !== 'X' };
}

async function exitedWithin(pid: number, wait_ms: number): Promise<boolean> {
  const deadline = Date.now() + wait_ms;
  for (;;) {
    if (!(await processStatus(pid))?.live) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
  }
}

/**
 * Whether pid is a live postgres process serving exactly clusterDir: the pid file says so,
 * and so does the process itself (PostgreSQL works in its data directory). The kernel gives
 * the working directory as a physical path, so clusterDir is resolved too: a DATA_DIR reached
 * through a link (data -> /mnt/ssd/vdp) is legitimate for a normal user.
 */
async function servesCluster(pid: number, recordedDir: string, clusterDir: string): Promise<boolean> {
  const status = await processStatus(pid);
  if (!status?.live || status.command !== 'postgres') return false;
  const physical = await realpath(clusterDir).catch(() => undefined);
  if (physical === undefined) return false;
  const recorded = await realpath(recordedDir).catch(() => recordedDir);
  const workingDir = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return recorded === physical && workingDir === physical;
}

/**
 * A server left running by an app that died (kill -9, a crash before the watchdog existed)
 * keeps the cluster's postmaster.pid, and a new server refuses to start beside it. When that
 * pid is a live postgres serving this very cluster it is stopped cleanly; any other pid is
 * never signalled (PostgreSQL itself then judges the pid file).
 */
export async function stopOrphanedServer(clusterDir: string, log: (message: string) => void): Promise<void> {
  const lines = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  if (!(await servesCluster(pid, lines[1] ?? '', clusterDir))) return;
  log(`stopping the embedded PostgreSQL (pid ${pid}) that an earlier process left running on ${clusterDir}`);
  process.kill(pid, 'SIGINT');
  if (await exitedWithin(pid, STOP_FAST_WAIT_MS)) return;
  log(`the embedded PostgreSQL (pid ${pid}) did not stop in ${STOP_FAST_WAIT_MS} ms; sending SIGQUIT`);
  process.kill(pid, 'SIGQUIT');
  if (await exitedWithin(pid, STOP_IMMEDIATE_WAIT_MS)) return;
  throw new EmbeddedStartError(
    `an earlier embedded PostgreSQL (pid ${pid}) still serves ${clusterDir} and does not stop: stop it (kill -QUIT ${pid}) and start again`,
  );
}

/** The last FATAL or ERROR line of the server's output: why it did not start. */
function reasonIn(output: string): string {
  const lines = output.split('\n').filter((line) => /\b(FATAL|ERROR|PANIC):/.test(line));
  return (lines.at(-1) ?? output.trim().split('\n').at(-1) ?? '').trim();
}

function spawnError(program: string, error: NodeJS.ErrnoException): EmbeddedStartError {
  return new EmbeddedStartError(
    `could not run ${program} (${error.code ?? 'error'}): the account PostgreSQL runs as must be able to execute it; run npm ci again, run as a normal user, or set DATABASE_URL`,
  );
}

async function runInitdb(placement: Placement, password: string, log: (message: string) => void): Promise<void> {
  const workDir = path.dirname(placement.clusterDir);
  const passwordFile = path.join(workDir, `.initdb-password-${randomBytes(6).toString('hex')}`);
  // 'wx': a file (or link) already at this name is never written through.
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (placement.runAs) await lchown(passwordFile, placement.runAs.uid, placement.runAs.gid);
    const initdb = path.join(placement.binDir, 'initdb');
    const args = [
      `--pgdata=${placement.clusterDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ];
    await run(initdb, args, { ...placement.runAs, cwd: workDir, env: { ...process.env, LC_ALL: 'C' } }).then(
      ({ stdout }) => log(stdout),
      (error: NodeJS.ErrnoException & { stderr?: string }) => {
        if (typeof error.code === 'string') throw spawnError(initdb, error);
        throw new EmbeddedStartError(
          `initdb could not create the cluster in ${placement.clusterDir}: ${reasonIn(error.stderr ?? '')}`,
        );
      },
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function spawnServer(placement: Placement, port: number, flags: string[], log: (message: string) => void): Promise<ChildProcess> {
  const postgres = path.join(placement.binDir, 'postgres');
  const child = spawn(postgres, ['-D', placement.clusterDir, '-p', String(port), ...flags], {
    ...placement.runAs,
    cwd: placement.clusterDir,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only the app, which then stops
    // the server last, after draining HTTP and closing the pool.
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    let ready = false;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log(chunk);
      if (ready) return;
      // Kept across chunks: the ready message can arrive split in two.
      output = (output + chunk).slice(-OUTPUT_KEPT_CHARS);
      if (output.includes(READY_MESSAGE)) {
        ready = true;
        resolve(child);
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => reject(spawnError(postgres, error)));
    child.once('exit', (code, signal) =>
      reject(new Error(`process exited (code ${code}, signal ${signal}): ${reasonIn(output) || 'no output'}`)),
    );
  });
}

export function embeddedServer(options: {
  placement: Placement;
  port: number;
  flags: string[];
  log: (message: string) => void;
  /** What an operator should see: an orphaned server being stopped. */
  notice: (message: string) => void;
}): ServerProcess {
  const { placement, port, flags, log, notice } = options;
  const server: ServerProcess = {
    initialise: (password) => runInitdb(placement, password, log),
    async start() {
      installExitHook();
      await stopOrphanedServer(placement.clusterDir, notice);
      const child = await spawnServer(placement, port, flags, log);
      server.process = child;
      running.add(child);
      child.once('exit', () => running.delete(child));
      watchParent(child);
    },
    async stop() {
      const child = server.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const stopped = await Promise.race([exited.then(() => true), delay(STOP_FAST_WAIT_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGQUIT');
        await Promise.race([exited, delay(STOP_IMMEDIATE_WAIT_MS)]);
      }
    },
  };
  return server;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
