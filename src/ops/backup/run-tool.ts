import { spawn } from 'node:child_process';

/** What is kept of a tool's stderr: enough for its error lines, bounded however much it writes. */
const STDERR_BYTES_MAX = 64 * 1024;
/** What a message repeats of it. */
const STDERR_SUMMARY_LENGTH_MAX = 1_500;

export interface ToolRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs pg_dump or pg_restore with the arguments as an array (no shell, so no quoting of file
 * names) and the caller's environment plus `env` (PGPASSWORD). stdout is kept only when asked
 * (`--list`); stderr is kept up to a bound. An aborted signal kills the child.
 */
export async function runTool(
  file: string,
  args: readonly string[],
  options: { env?: Record<string, string>; signal?: AbortSignal; keepStdout?: boolean } = {},
): Promise<ToolRun> {
  return await new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.keepStdout ? 'pipe' : 'ignore', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderrBytes >= STDERR_BYTES_MAX) return;
      stderr.push(chunk);
      stderrBytes += chunk.length;
    });
    child.once('error', (error) => {
      // An abort reaches here as an AbortError after the child is killed; 'close' still follows.
      if ((error as NodeJS.ErrnoException).code !== 'ABORT_ERR') reject(error);
    });
    child.once('close', (exitCode, signal) => {
      if (options.signal?.aborted) {
        reject(options.signal.reason);
        return;
      }
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/**
 * A tool's error lines for a message. PostgreSQL's DETAIL lines can quote row values (a
 * duplicate key's e-mail), so they are left out; the rest names objects, not data.
 */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(DETAIL|CONTEXT|LINE \d+):/.test(line) && !/^pg_\w+: detail:/.test(line));
  const text = lines.join(' | ');
  return text.length > STDERR_SUMMARY_LENGTH_MAX ? `…${text.slice(-STDERR_SUMMARY_LENGTH_MAX)}` : text;
}

export function describeExit(run: ToolRun): string {
  return run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
}
