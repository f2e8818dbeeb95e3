import { expect, installTestClock, newPerson, registerViaApi, test, watchBrowserErrors } from './support.js';

/**
 * The guard every test runs under (support.ts) must see a server error that the screen
 * shrugs off: here one answer of the account list is replaced by a 500 on a page the
 * guard of this test does not watch, and the errors it collects are read directly.
 */
test('a 5xx answer the screen shrugs off is caught by the browser guard', async ({ page, context }) => {
  await registerViaApi(page, newPerson('Ana Guarda', 'guard'));
  const other = await context.newPage();
  await installTestClock(other);
  const errors = watchBrowserErrors(other);
  let planted = 0;
  await other.route('**/api/accounts?**', async (route) => {
    if (planted > 0) return route.continue();
    planted += 1;
    await route.fulfill({
      status: 500,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal' }),
    });
  });
  await other.goto('/');
  // The dashboard still greets the person: nothing on the screen gives the error away.
  await expect(other.getByRole('heading', { name: 'Olá, Ana!' })).toBeVisible();
  await expect.poll(() => planted).toBe(1);
  await expect.poll(() => errors).toEqual(['500 from GET /api/accounts']);
  await other.close();
});
