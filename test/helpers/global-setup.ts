import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createMigratedTemplate, resolveAdminUrl, stopAdminServer, TEMPLATE_DATABASE_VARIABLE } from './db.js';

/**
 * Resolves the test server once, so every worker creates its databases on the same one, and
 * migrates one template database there that the files' apps are copied from (startTestApp).
 * Each integration project runs this setup, all of them before any file and their teardowns
 * after every file, in reverse: the first made the server and the template, the others use them.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.VDP_TEST_ADMIN_URL !== undefined && process.env[TEMPLATE_DATABASE_VARIABLE] !== undefined) {
    return async () => {};
  }
  const adminUrl = await resolveAdminUrl();
  process.env.VDP_TEST_ADMIN_URL = adminUrl;
  let template: Awaited<ReturnType<typeof createMigratedTemplate>>;
  try {
    template = await createMigratedTemplate(adminUrl, async (url) => {
      const pool = createPool(url, { max: 1 });
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
    });
  } catch (error) {
    await stopAdminServer();
    throw error;
  }
  process.env[TEMPLATE_DATABASE_VARIABLE] = template.name;
  return async () => {
    try {
      await template.drop();
    } finally {
      await stopAdminServer();
    }
  };
}
