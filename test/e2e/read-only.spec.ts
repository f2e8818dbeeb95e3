import type { Page } from '@playwright/test';
import { type AppServer, startAppServer } from './app-server.js';
import { test as base, expect, loginViaUi, newPerson, type Person, registerViaApi, watchBrowserErrors } from './support.js';

/**
 * Read-only mode as a person meets it (issue 14): a second app runs with READ_ONLY=true on
 * the database of the suite's app. The person signs up on the suite's app (a session is a
 * write), then opens the read-only app, whose cookie is the same (cookies do not tell
 * ports apart): reading works, a write is answered 503 read_only, and from then on a banner
 * says why and every form's submit button is disabled, on every screen and on the sign-in page.
 */

/**
 * The suite's fixture fails a test on any answer of 500 or more; here the writes answered
 * 503 read_only are the point, so only those are let through, and only on write methods.
 */
const test = base.extend<{ failOnBrowserErrors: undefined }>({
  // A plain function overrides the fixture and keeps it automatic.
  failOnBrowserErrors: async ({ page }, use) => {
    const errors = watchBrowserErrors(page);
    await use(undefined);
    const unexpected = errors.filter((error) => !/^503 from (POST|PUT|PATCH|DELETE) \/api\//.test(error));
    expect(unexpected, 'errors in the browser console or answers with a 5xx status').toEqual([]);
  },
});

let readOnly: AppServer;
const person: Person = newPerson('Rita Somente', 'readonly');

/** The second app starts on a machine the other suites share. */
const SERVER_START_MS = 90_000;

test.beforeAll(async () => {
  test.setTimeout(SERVER_START_MS);
  const suiteDatabase = process.env.E2E_DATABASE_URL;
  if (!suiteDatabase) throw new Error('E2E_DATABASE_URL is not set: global setup did not run');
  // Its own fresh database (dropped on stop) stays unused: DATABASE_URL points at the suite's.
  readOnly = await startAppServer({ env: { READ_ONLY: 'true', DATABASE_URL: suiteDatabase } });
});
test.afterAll(async () => {
  await readOnly?.stop();
});

const CSRF = { 'X-Requested-With': 'vai-de-pix' };

/** Signs the person up on the suite's app with two accounts; the page's context keeps the cookie. */
async function signUpWithAccounts(page: Page): Promise<void> {
  await registerViaApi(page, person);
  for (const account of [
    { name: 'Carteira', type: 'cash', initial_balance_cents: 12_345 },
    { name: 'Poupança', type: 'savings', initial_balance_cents: 0 },
  ]) {
    const created = await page.request.post('/api/accounts', { data: account, headers: CSRF });
    expect(created.status(), await created.text()).toBe(201);
  }
}

/** Counts the write requests the page sends to the read-only app, and checks each was refused as read_only. */
function watchWrites(page: Page): { sent: () => number; refusals: Promise<string>[] } {
  let sent = 0;
  const refusals: Promise<string>[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname.startsWith('/api/')) sent += 1;
  });
  page.on('response', (response) => {
    if (response.request().method() !== 'GET' && response.status() === 503) {
      refusals.push(response.json().then((body: { code?: string }) => `${body.code} ${response.headers()['retry-after']}`));
    }
  });
  return { sent: () => sent, refusals };
}

test('a signed-in person reads everything; the first write is refused, then a banner says why and the forms cannot be sent', async ({
  page,
}) => {
  await signUpWithAccounts(page);
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/contas`);
  await expect(page.getByText('Carteira').first()).toBeVisible();
  await expect(page.getByText('R$ 123,45').first()).toBeVisible();

  await page.getByRole('button', { name: 'Nova conta' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nova conta' });
  await dialog.getByLabel('Nome da conta').fill('Reserva');
  const create = dialog.getByRole('button', { name: 'Criar conta' });
  await create.click();

  const banner = page.getByRole('status').filter({ hasText: 'Só consulta, por enquanto' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('alterações não podem ser salvas');
  expect(await Promise.all(writes.refusals)).toEqual(['read_only 30']);
  await expect(create).toBeDisabled();
  await expect(create).toHaveAttribute('title', 'Indisponível enquanto o serviço está só para consulta');
  // Neither a click nor Enter in a field sends it again.
  await create.click({ force: true });
  await dialog.getByLabel('Nome da conta').press('Enter');
  expect(writes.sent()).toBe(1);

  // Every screen: the banner stays and the transfer form's button is disabled too.
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'Transferir' }).first().click();
  await expect(page).toHaveURL(/\/transferir$/);
  await expect(banner).toBeVisible();
  await expect(page.getByRole('button', { name: 'Transferir' }).last()).toBeDisabled();
  expect(writes.sent()).toBe(1);
});

test('on the sign-in page, signing in is refused as read-only and the banner says so', async ({ page }) => {
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/entrar`);
  await loginViaUi(page, person);
  const banner = page.getByRole('status').filter({ hasText: 'Só consulta, por enquanto' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('nem entrar ou sair da conta');
  expect(await Promise.all(writes.refusals)).toEqual(['read_only 30']);
  const signIn = page.getByRole('button', { name: 'Entrar' });
  await expect(signIn).toBeDisabled();
  await signIn.click({ force: true });
  expect(writes.sent()).toBe(1);
  await expect(page).toHaveURL(/\/entrar$/);
});
