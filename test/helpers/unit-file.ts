/**
 * Readers for the files in ops/: systemd unit files, systemd environment files, and the
 * few sizes and durations they and the reverse-proxy configurations are written in.
 * Strict on purpose: a line these readers do not understand is an error, so a test never
 * passes by skipping over a typo that systemd would also have ignored with a warning.
 */

export interface UnitAssignment {
  key: string;
  value: string;
  /** 1-based line of the key, for messages. */
  line: number;
}

/** Section name → its assignments in file order (a key may repeat: list settings do). */
export type UnitFile = Map<string, UnitAssignment[]>;

const SECTION_PATTERN = /^\[([A-Za-z][A-Za-z0-9 -]*)\]$/;
const ASSIGNMENT_PATTERN = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/;

/** Joins the lines systemd joins: a line ending in a backslash continues on the next. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const lines = text.split('\n');
  const joined: Array<{ text: string; line: number }> = [];
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    const isComment = pending === undefined && (trimmed.startsWith('#') || trimmed.startsWith(';'));
    const current = pending ?? { text: '', line: index + 1 };
    if (!isComment && trimmed.endsWith('\\')) {
      current.text += `${trimmed.slice(0, -1)} `;
      pending = current;
      return;
    }
    current.text += trimmed;
    joined.push(current);
    pending = undefined;
  });
  if (pending !== undefined) throw new Error(`line ${pending.line}: continues past the end of the file`);
  return joined;
}

/** Parses a systemd unit file (systemd.syntax(7): sections, Key=Value, # and ; comments). */
export function parseUnitFile(text: string): UnitFile {
  const unit: UnitFile = new Map();
  let section: UnitAssignment[] | undefined;
  for (const { text: content, line } of logicalLines(text)) {
    if (content === '' || content.startsWith('#') || content.startsWith(';')) continue;
    const header = SECTION_PATTERN.exec(content);
    if (header) {
      const name = header[1] as string;
      if (unit.has(name)) throw new Error(`line ${line}: section [${name}] appears twice`);
      section = [];
      unit.set(name, section);
      continue;
    }
    const assignment = ASSIGNMENT_PATTERN.exec(content);
    if (!assignment) throw new Error(`line ${line}: neither a section, a Key=Value nor a comment: ${JSON.stringify(content)}`);
    if (section === undefined) throw new Error(`line ${line}: an assignment before any [Section]`);
    section.push({ key: assignment[1] as string, value: (assignment[2] as string).trim(), line });
  }
  return unit;
}

/** Every value given to a key of a section, in order; [] when the key is absent. */
export function valuesOf(unit: UnitFile, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter((assignment) => assignment.key === key).map((assignment) => assignment.value);
}

/** The value systemd uses for a single-valued key: the last one given; undefined when absent. */
export function lastValueOf(unit: UnitFile, section: string, key: string): string | undefined {
  return valuesOf(unit, section, key).at(-1);
}

/**
 * The items of a list-valued key (RestrictAddressFamilies=, StateDirectory=, …): each
 * assignment adds its space-separated items and an empty assignment clears the list.
 */
export function listOf(unit: UnitFile, section: string, key: string): string[] {
  let items: string[] = [];
  for (const value of valuesOf(unit, section, key)) {
    if (value === '') items = [];
    else items.push(...value.split(/\s+/));
  }
  return items;
}

const TRUE_WORDS = new Set(['1', 'yes', 'y', 'true', 't', 'on']);
const FALSE_WORDS = new Set(['0', 'no', 'n', 'false', 'f', 'off']);

/** A systemd boolean as systemd reads it; undefined for anything that is not one. */
export function systemdBoolean(value: string | undefined): boolean | undefined {
  const word = value?.toLowerCase();
  if (word === undefined) return undefined;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

const SECONDS_BY_UNIT: Record<string, number> = {
  '': 1,
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  ms: 0.001,
  msec: 0.001,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
};

/** A systemd time span ("45", "45s", "1min 30s") in seconds (systemd.time(7)). */
export function systemdSeconds(value: string): number {
  const parts = value.trim().split(/\s+/);
  let seconds = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    const factor = match ? SECONDS_BY_UNIT[match[2] as string] : undefined;
    if (!match || factor === undefined) throw new Error(`not a systemd time span: ${JSON.stringify(value)}`);
    seconds += Number(match[1]) * factor;
  }
  return seconds;
}

/**
 * Splits an Environment= value into its NAME=value words: separated by spaces, a word
 * wrapped in double quotes may hold spaces.
 */
export function environmentAssignments(value: string): Record<string, string> {
  const words = value.match(/"[^"]*"|[^\s"]+/g) ?? [];
  const environment: Record<string, string> = {};
  for (const word of words) {
    const unquoted = word.startsWith('"') ? word.slice(1, -1) : word;
    const equals = unquoted.indexOf('=');
    if (equals <= 0) throw new Error(`not NAME=value in Environment=: ${JSON.stringify(word)}`);
    environment[unquoted.slice(0, equals)] = unquoted.slice(equals + 1);
  }
  return environment;
}

export interface EnvironmentFile {
  /** The NAME=value lines: what the process gets. */
  settings: Record<string, string>;
  /** The commented-out `#NAME=value` lines: optional settings shown with a value. */
  optional: Record<string, string>;
}

const ENV_NAME = '[A-Z][A-Z0-9_]*';
const ENV_SETTING_PATTERN = new RegExp(`^(${ENV_NAME})=(.*)$`);
const ENV_OPTIONAL_PATTERN = new RegExp(`^#(${ENV_NAME})=(.*)$`);

/**
 * The value of one line, in the plain subset every reader of such files agrees on
 * (systemd, a shell, docker's --env-file): bare without spaces, quotes or backslashes,
 * or wrapped whole in double quotes without quotes, backslashes or $ inside.
 */
function environmentValue(raw: string, line: number): string {
  if (/^"[^"\\$]*"$/.test(raw)) return raw.slice(1, -1);
  if (/^[^\s"'\\$`]*$/.test(raw)) return raw;
  throw new Error(`line ${line}: quote a value with spaces in double quotes, with no quotes, \\ or $ inside`);
}

/** Parses a systemd EnvironmentFile= strictly (see environmentValue for the values). */
export function parseEnvironmentFile(text: string): EnvironmentFile {
  const file: EnvironmentFile = { settings: {}, optional: {} };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    const optional = ENV_OPTIONAL_PATTERN.exec(content);
    const setting = ENV_SETTING_PATTERN.exec(content);
    const match = setting ?? optional;
    if (match) {
      const target = setting ? file.settings : file.optional;
      const name = match[1] as string;
      if (name in file.settings || name in file.optional) throw new Error(`line ${line}: ${name} appears twice`);
      target[name] = environmentValue(match[2] as string, line);
      return;
    }
    if (content === '' || content.startsWith('#')) return;
    throw new Error(`line ${line}: neither NAME=value nor a comment: ${JSON.stringify(content)}`);
  });
  return file;
}

const BYTES_BY_NGINX_SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** An nginx size ("11m", "512k", "1048576") in bytes; nginx's k and m are powers of 1024. */
export function nginxBytes(value: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(value.trim());
  if (!match) throw new Error(`not an nginx size: ${JSON.stringify(value)}`);
  return Number(match[1]) * (BYTES_BY_NGINX_SUFFIX[(match[2] as string).toLowerCase()] as number);
}

const BYTES_BY_CADDY_SUFFIX: Record<string, number> = {
  B: 1,
  KB: 1000,
  KIB: 1024,
  MB: 1000 ** 2,
  MIB: 1024 ** 2,
  GB: 1000 ** 3,
  GIB: 1024 ** 3,
};

/** A Caddy size ("11MiB", "12MB") in bytes: MB is 10^6, MiB 2^20, as Caddy reads them. */
export function caddyBytes(value: string): number {
  const match = /^(\d+)\s*([KMG]i?B|B)$/i.exec(value.trim());
  const factor = match ? BYTES_BY_CADDY_SUFFIX[(match[2] as string).toUpperCase()] : undefined;
  if (!match || factor === undefined) throw new Error(`not a Caddy size: ${JSON.stringify(value)}`);
  return Number(match[1]) * factor;
}
