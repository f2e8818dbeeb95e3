import { afterAll, beforeAll } from 'vitest';
import { startThrowawayPostgres } from './throwaway-postgres.js';

/**
 * The shared test server's 100 connections serve every test file and browser run at once (two
 * files and a browser run's app at a time in `npm test`); a file whose processes take many of
 * them (each app or worker process takes its pool, a connection per job holding its lock and its
 * listener) runs on a throwaway server of its own instead: the same PostgreSQL 15, and nobody
 * else's connections (docs/ARCHITECTURE.md, "Tests").
 */
export interface OwnServer {
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Room for every process's pool and its jobs' lock connections at once, even when CPU starvation
 * keeps them all open together: four workers and the app reached the default 100 in a CI run.
 */
const OWN_SERVER_MAX_CONNECTIONS = 400;

export async function startOwnServer(): Promise<OwnServer> {
  const server = await startThrowawayPostgres({
    settings: [`max_connections=${OWN_SERVER_MAX_CONNECTIONS}`],
    trust: true,
  });
  return { adminUrl: server.url, stop: () => server.destroy() };
}

/**
 * The file's own server, started before its first test and stopped after its last: call at the
 * top of the file; the returned function gives its admin URL (for createTestDatabase and
 * startTestApp's adminUrl).
 */
export function ownServerForFile(): () => string {
  let starting: Promise<OwnServer> | undefined;
  let server: OwnServer | undefined;
  beforeAll(async () => {
    starting = startOwnServer();
    server = await starting;
  });
  afterAll(async () => {
    // A start the hook's timeout gave up on may still finish: it is stopped all the same.
    const started = await starting?.catch(() => undefined);
    await started?.stop();
  });
  return () => {
    if (!server) throw new Error("the file's own PostgreSQL server is not up: call this inside a hook or a test");
    return server.adminUrl;
  };
}
