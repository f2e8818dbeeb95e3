import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BackupError } from './errors.js';

const run = promisify(execFile);

export type ToolName = 'pg_dump' | 'pg_restore';

export interface ToolVersion {
  major: number;
  /** As the tool prints it, e.g. "15.20". */
  text: string;
}

export interface PostgresTool {
  name: ToolName;
  path: string;
  version: ToolVersion;
}

/** Where the tools are looked for besides PATH; tests point these elsewhere. */
export interface ToolSearch {
  /** A PATH-style list of directories; default process.env.PATH. */
  searchPath?: string;
  /** Debian and Ubuntu install each major's client in <root>/<major>/bin; default /usr/lib/postgresql. */
  versionedRoot?: string;
}

const VERSIONED_ROOT_DEFAULT = '/usr/lib/postgresql';
/** `pg_dump --version` answers at once; a tool that does not is as good as missing. */
const VERSION_TIMEOUT_MS = 10_000;
/** "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", "pg_restore (PostgreSQL) 17beta1". */
const TOOL_VERSION_PATTERN = /\(PostgreSQL\)\s+((\d+)(?:\.\d+)?\S*)/;

export function parseToolVersion(output: string): ToolVersion | undefined {
  const match = TOOL_VERSION_PATTERN.exec(output);
  if (!match?.[1] || !match[2]) return undefined;
  return { major: Number(match[2]), text: match[1] };
}

/** server_version_num (150018) to its major (15); before 10 the major had two parts, which this app never runs on. */
export function serverMajorOf(versionNumber: number): number {
  return Math.floor(versionNumber / 10_000);
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Every copy of the tool this machine has: each major's own directory, then PATH's order. */
async function candidatePaths(name: ToolName, search: ToolSearch): Promise<string[]> {
  const root = search.versionedRoot ?? VERSIONED_ROOT_DEFAULT;
  const majors = await readdir(root).catch(() => [] as string[]);
  const directories = [
    ...majors.filter((entry) => /^\d+$/.test(entry)).map((major) => path.join(root, major, 'bin')),
    ...(search.searchPath ?? process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry !== ''),
  ];
  const found: string[] = [];
  for (const directory of directories) {
    const file = path.join(directory, name);
    if (!found.includes(file) && (await executable(file))) found.push(file);
  }
  return found;
}

async function versionOf(file: string): Promise<ToolVersion | undefined> {
  try {
    const { stdout } = await run(file, ['--version'], { timeout: VERSION_TIMEOUT_MS });
    return parseToolVersion(stdout);
  } catch {
    return undefined;
  }
}

/** The newest copy of the tool on this machine (the newest reads every older server and archive), or undefined. */
export async function findTool(name: ToolName, search: ToolSearch = {}): Promise<PostgresTool | undefined> {
  let best: PostgresTool | undefined;
  for (const file of await candidatePaths(name, search)) {
    const version = await versionOf(file);
    if (version && (best === undefined || version.major > best.version.major)) best = { name, path: file, version };
  }
  return best;
}

function installHint(major: number): string {
  return `install the PostgreSQL ${major} client tools, e.g. \`apt-get install postgresql-client-${major}\` (from apt.postgresql.org when the distribution has no such package)`;
}

/**
 * The tool, at least as new as `majorMin` (pg_dump must be as new as the server it dumps;
 * pg_restore as new as the pg_dump that wrote the archive), or a BackupError saying which
 * package to install.
 */
export async function requireTool(name: ToolName, majorMin: number, search: ToolSearch = {}): Promise<PostgresTool> {
  const tool = await findTool(name, search);
  if (tool === undefined)
    throw new BackupError(
      'tool_missing',
      `${name} not found (looked in PATH and ${search.versionedRoot ?? VERSIONED_ROOT_DEFAULT}/*/bin): ${installHint(majorMin)}`,
    );
  if (tool.version.major < majorMin)
    throw new BackupError(
      'tool_too_old',
      `${name} ${tool.version.text} (${tool.path}) is older than PostgreSQL ${majorMin} and cannot be used here: ${installHint(majorMin)}`,
    );
  return tool;
}
