import type { Page } from '@playwright/test';
import { type AppServer, startAppServer } from './app-server.js';
import { test as base, expect, newPerson, PASSWORD, type Person, registerViaApi, watchBrowserErrors } from './support.js';

/**
 * Read-only mode as a person meets it (issue 14): a second app runs with READ_ONLY=true on
 * the database of the suite's app. The person signs up on the suite's app (a session is a
 * write), then opens the read-only app, whose cookie is the same (cookies do not tell
 * ports apart): reading works, a banner says why writes are refused and every form's submit
 * button is disabled, on every screen and on the sign-in page; a page that learns it only
 * from a write answered 503 read_only does the same from then on.
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
async function signUpWithAccounts(page: Page, person: Person): Promise<void> {
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

const banner = (page: Page) => page.getByRole('status').filter({ hasText: 'Só consulta, por enquanto' });

/** GET /api/config as a server that still took writes when the page loaded (its database failed over since). */
async function configSaysWritable(page: Page): Promise<void> {
  await page.route('**/api/config', (route) =>
    route.fulfill({ json: { features: { insights: true, imports: true, pix: true }, read_only: false } }),
  );
}

test('a signed-in person opening the read-only app reads everything, and the banner says why every form is disabled', async ({
  page,
}) => {
  await signUpWithAccounts(page, newPerson('Rita Somente', 'readonly-a'));
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/contas`);
  await expect(page.getByText('Carteira').first()).toBeVisible();
  await expect(page.getByText('R$ 123,45').first()).toBeVisible();
  await expect(banner(page)).toBeVisible();
  await expect(banner(page)).toContainText('alterações não podem ser salvas');

  await page.getByRole('button', { name: 'Nova conta' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nova conta' });
  await dialog.getByLabel('Nome da conta').fill('Reserva');
  const create = dialog.getByRole('button', { name: 'Criar conta' });
  await expect(create).toBeDisabled();
  await expect(create).toHaveAttribute('title', 'Indisponível enquanto o serviço está só para consulta');
  // Neither a click nor Enter in a field sends it.
  await create.click({ force: true });
  await dialog.getByLabel('Nome da conta').press('Enter');

  // Every screen: the banner stays and the transfer form's button is disabled too.
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'Transferir' }).first().click();
  await expect(page).toHaveURL(/\/transferir$/);
  await expect(banner(page)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Transferir' }).last()).toBeDisabled();
  expect(writes.sent()).toBe(0);
});

test('a write answered 503 read_only after the page loaded shows the banner and disables the forms from then on', async ({
  page,
}) => {
  await signUpWithAccounts(page, newPerson('Rui Depois', 'readonly-b'));
  await configSaysWritable(page);
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/contas`);
  await expect(page.getByText('Carteira').first()).toBeVisible();
  await expect(banner(page)).toHaveCount(0);

  await page.getByRole('button', { name: 'Nova conta' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nova conta' });
  await dialog.getByLabel('Nome da conta').fill('Reserva');
  const create = dialog.getByRole('button', { name: 'Criar conta' });
  await create.click();

  await expect(banner(page)).toBeVisible();
  expect(await Promise.all(writes.refusals)).toEqual(['read_only 30']);
  await expect(create).toBeDisabled();
  await create.click({ force: true });
  expect(writes.sent()).toBe(1);
});

test('the write controls outside a form are disabled too: the archive items of row menus and a delete confirmation send nothing', async ({
  page,
}) => {
  await signUpWithAccounts(page, newPerson('Rosa Menus', 'readonly-c'));
  const goal = await page.request.post('/api/goals', { data: { name: 'Viagem', target_cents: 500_000 }, headers: CSRF });
  expect(goal.status(), await goal.text()).toBe(201);
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/contas`);
  await expect(banner(page)).toBeVisible();

  // An account's menu: reading items stay usable, the archive item is disabled and its click stopped.
  await page.getByRole('button', { name: 'Ações da conta Carteira' }).click();
  const archiveAccount = page.getByRole('menuitem', { name: 'Arquivar' });
  await expect(archiveAccount).toBeDisabled();
  await expect(archiveAccount).toHaveAttribute('title', 'Indisponível enquanto o serviço está só para consulta');
  await expect(page.getByRole('menuitem', { name: 'Renomear' })).toBeEnabled();
  await archiveAccount.click({ force: true });
  await page.keyboard.press('Escape');

  // A goal's menu, then its delete confirmation (opening it only asks; the confirm writes).
  await page.getByRole('link', { name: 'Metas' }).first().click();
  await expect(page).toHaveURL(/\/metas$/);
  await page.getByRole('button', { name: 'Ações da meta Viagem' }).click();
  const archiveGoal = page.getByRole('menuitem', { name: 'Arquivar' });
  await expect(archiveGoal).toBeDisabled();
  await archiveGoal.click({ force: true });
  // The menu is opened afresh, whether or not that click closed it.
  await page.keyboard.press('Escape');
  await expect(archiveGoal).toHaveCount(0);
  await page.getByRole('button', { name: 'Ações da meta Viagem' }).click();
  await page.getByRole('menuitem', { name: 'Excluir' }).click();
  const confirm = page.getByRole('dialog', { name: 'Excluir a meta?' }).getByRole('button', { name: 'Sim, excluir' });
  await expect(confirm).toBeDisabled();
  await confirm.click({ force: true });
  await confirm.press('Enter');
  await page.keyboard.press('Escape');

  // A page loaded after the clicks: any write they had sent was on its way before these reads.
  await page.getByRole('link', { name: 'Contas' }).first().click();
  await expect(page.getByText('R$ 123,45').first()).toBeVisible();
  expect(writes.sent()).toBe(0);
});

test('the sign-in page shows the banner and does not send the sign-in', async ({ page }) => {
  const writes = watchWrites(page);
  await page.goto(`${readOnly.baseUrl}/entrar`);
  await expect(banner(page)).toBeVisible();
  await expect(banner(page)).toContainText('nem entrar ou sair da conta');
  const signIn = page.getByRole('button', { name: 'Entrar' });
  await expect(signIn).toBeDisabled();
  await page.getByLabel('E-mail').fill('rita@example.com');
  await page.getByLabel('Senha', { exact: true }).fill(PASSWORD);
  await signIn.click({ force: true });
  await page.getByLabel('Senha', { exact: true }).press('Enter');
  expect(writes.sent()).toBe(0);
  await expect(page).toHaveURL(/\/entrar$/);
});
