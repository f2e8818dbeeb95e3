import type pg from 'pg';
import { sessionConnection } from '../../db/pool.js';

/**
 * How pg_dump and pg_restore are pointed at a database: the URL without its password goes on
 * the command line (any user of the machine can read a command line in `ps`), the password in
 * the child's environment as PGPASSWORD, which only the child and root can read.
 */
export interface LibpqTarget {
  /** A postgresql:// URL without the password, for --dbname. */
  dbname: string;
  /** PGPASSWORD when the URL carried one; otherwise the child keeps the caller's own (or ~/.pgpass). */
  env: Record<string, string>;
  /** user@host:port/database, for messages and logs. */
  label: string;
}

/** node-postgres reads ?ssl=true; libpq knows only sslmode and refuses a parameter it does not know. */
function libpqParameters(url: URL): void {
  const ssl = url.searchParams.get('ssl');
  if (ssl === null) return;
  url.searchParams.delete('ssl');
  if (!url.searchParams.has('sslmode') && (ssl === 'true' || ssl === '1')) url.searchParams.set('sslmode', 'require');
}

/**
 * Takes ?password= out of the URL's query, leaving every other parameter byte for byte (a
 * rewrite by URLSearchParams would turn %20 into +, which libpq does not decode).
 */
function takePasswordParameter(url: URL): string | undefined {
  let password: string | undefined;
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((parameter) => {
      if (!parameter.startsWith('password=')) return true;
      password = decodeURIComponent(parameter.slice('password='.length).replaceAll('+', ' '));
      return false;
    });
  if (password !== undefined) url.search = kept.length > 0 && kept.join('&') !== '' ? `?${kept.join('&')}` : '';
  return password;
}

export function libpqTarget(connectionUrl: string): LibpqTarget {
  const url = new URL(connectionUrl);
  // node-postgres and libpq both take the password as ?password= too, which wins over the userinfo's.
  const password = takePasswordParameter(url) ?? decodeURIComponent(url.password);
  url.password = '';
  libpqParameters(url);
  return { dbname: url.toString(), env: password === '' ? {} : { PGPASSWORD: password }, label: describeTarget(connectionUrl) };
}

/** A database as messages name it: never its password. */
export function describeTarget(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl);
    const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
    return `${user}${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
  } catch {
    return '(a database URL that does not parse)';
  }
}

/** The address a pool connects to, for a tool that must reach the same database (the backup job's pg_dump). */
export function urlOfPool(pool: pg.Pool): string {
  // pg_dump sets its search_path for the session: past a transaction pooler, to PostgreSQL itself.
  const { connectionString, host, port, user, password, database } = sessionConnection(pool);
  if (connectionString) return connectionString;
  const url = new URL('postgresql://localhost');
  if (typeof host === 'string' && host !== '') url.hostname = host;
  if (port !== undefined) url.port = String(port);
  if (user) url.username = encodeURIComponent(user);
  if (typeof password === 'string' && password !== '') url.password = encodeURIComponent(password);
  if (database) url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The target database's name, from its URL. */
export function databaseName(connectionUrl: string): string {
  return decodeURIComponent(new URL(connectionUrl).pathname.replace(/^\//, ''));
}
