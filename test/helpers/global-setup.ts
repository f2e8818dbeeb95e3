import type { TestProject } from 'vitest/node';
import { createMigratedTemplate, resolveAdminUrl, stopAdminServer, TEMPLATE_DATABASE_KEY, type TestDatabase } from './db.js';

/**
 * Resolves the test server once, so every worker creates its databases on the same one, and
 * migrates a template database there that the project's files copy (startTestApp). In watch
 * mode each rerun gets a template migrated afresh, so an edited migration is taken up.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = await resolveAdminUrl();
  process.env.VDP_TEST_ADMIN_URL = adminUrl;
  let template: TestDatabase;
  try {
    template = await createMigratedTemplate(adminUrl);
  } catch (error) {
    await stopAdminServer();
    throw error;
  }
  project.provide(TEMPLATE_DATABASE_KEY, template.name);
  project.onTestsRerun(async () => {
    const previous = template;
    template = await createMigratedTemplate(adminUrl);
    project.provide(TEMPLATE_DATABASE_KEY, template.name);
    await previous.drop();
  });
  return async () => {
    try {
      await template.drop();
    } finally {
      await stopAdminServer();
    }
  };
}
