import { resolveAdminUrl, stopAdminServer } from './db.js';

/** Resolves the test server once, so every worker creates its databases on the same one. */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.VDP_TEST_ADMIN_URL = await resolveAdminUrl();
  return async () => {
    await stopAdminServer();
  };
}
