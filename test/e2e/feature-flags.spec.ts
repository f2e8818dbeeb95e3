import type { Page } from '@playwright/test';
import { FEATURES, type FeatureFlag } from '../../src/features.js';
import { type AppServer, startAppServer } from './app-server.js';
import { expect as baseExpect, loginViaUi, newPerson, registerViaApi, test } from './support.js';

/**
 * Each flag of src/features.ts turned off on a server of its own (started once per group
 * of tests, in its own worker): a person who signs in through the screen finds no menu
 * entry of the feature, no widget of it on the dashboard, and a "turned off" page at its
 * addresses. With every flag on (the run's own server) the entries are there.
 */

/** The menu's name of each feature screen, as a person reads it (pt-BR). */
const MENU_LABEL: Record<string, string> = {
  '/analises': 'Análises',
  '/importar': 'Importar extrato',
  '/pix/receber': 'Receber Pix',
  '/pix/pago': 'Registrar Pix pago',
};

/** What the "turned off" page calls each feature. */
const FEATURE_LABEL: Record<string, string> = { insights: 'Análises', imports: 'Importar extrato', pix: 'Pix' };

const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** A busy two-core machine, a second server and lazy page chunks: screens can take more than 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });

/** The server of the group of tests running now: one with a flag off, or null for the run's own. */
let offServer: AppServer | null = null;
const SERVER_START_TIMEOUT_MS = 150_000;

/** The pages and requests of a test go to the group's server when it has one. */
const flagTest = test.extend({
  baseURL: async ({ baseURL }, use) => use(offServer?.baseUrl ?? baseURL),
});

function menu(page: Page) {
  return page.getByRole('navigation', { name: 'Navegação principal' });
}

/** Someone with an account (so the dashboard shows its overview), signed in through the form. */
async function signIn(page: Page, label: string): Promise<void> {
  const person = newPerson('Beatriz Lima', label);
  await registerViaApi(page, person);
  const account = await page.request.post('/api/accounts', {
    data: { name: 'Conta corrente', type: 'checking', initial_balance_cents: 150_000 },
    headers: { ...CSRF, 'Idempotency-Key': `flags-${label}-${Date.now()}` },
  });
  expect(account.status(), await account.text()).toBe(201);
  // Signed out again, so the sign-in below goes through the form.
  const logout = await page.request.post('/api/auth/logout', { headers: CSRF });
  expect(logout.ok(), await logout.text()).toBe(true);
  await page.goto('/entrar');
  await loginViaUi(page, person);
  await expect(page.getByRole('heading', { level: 1, name: /Beatriz/ })).toBeVisible();
}

test('every feature screen has its menu name here', () => {
  const screens = FEATURES.flatMap((feature) => [...feature.screens]).sort();
  expect(Object.keys(MENU_LABEL).sort()).toEqual(screens);
  expect(Object.keys(FEATURE_LABEL).sort()).toEqual(FEATURES.map((feature) => feature.name).sort());
});

for (const feature of FEATURES as readonly FeatureFlag[]) {
  flagTest.describe(`${feature.env}=false`, () => {
    flagTest.beforeAll(async ({ browserName: _browser }, testInfo) => {
      testInfo.setTimeout(SERVER_START_TIMEOUT_MS);
      offServer = await startAppServer({ env: { [feature.env]: 'false' } });
    });
    flagTest.afterAll(async () => {
      await offServer?.stop();
      offServer = null;
    });

    flagTest(
      `the ${feature.name} menu entries and dashboard widgets are gone; its addresses say it is off`,
      async ({ page, baseURL }) => {
        expect(offServer, 'a server with the flag off').not.toBeNull();
        expect(baseURL).toBe(offServer?.baseUrl);
        await signIn(page, `flag-${feature.name}`);
        for (const screen of feature.screens) {
          await expect(menu(page).getByRole('link', { name: MENU_LABEL[screen], exact: true })).toHaveCount(0);
        }
        // The other features stay in the menu: only this one was turned off.
        for (const other of FEATURES.filter((candidate) => candidate.name !== feature.name)) {
          for (const screen of other.screens) {
            await expect(menu(page).getByRole('link', { name: MENU_LABEL[screen], exact: true })).toBeVisible();
          }
        }
        const main = page.getByRole('main');
        await expect(main.getByText('Saldo total')).toBeVisible();
        for (const screen of feature.screens) await expect(main.locator(`a[href="${screen}"]`)).toHaveCount(0);
        if (feature.name === 'insights') {
          // The charts' place at the foot of the dashboard is not even kept.
          await expect(page.getByTestId('dashboard-charts-place')).toHaveCount(0);
        }

        for (const screen of feature.screens) {
          await page.goto(screen);
          await expect(page.getByRole('heading', { level: 1, name: 'Recurso desligado' })).toBeVisible();
          await expect(
            main.getByText(`${FEATURE_LABEL[feature.name]}: este recurso está desligado neste servidor.`),
          ).toBeVisible();
          await expect(menu(page).getByRole('link', { name: 'Contas', exact: true })).toBeVisible();
        }
        await page.getByRole('link', { name: 'Voltar ao início' }).click();
        await expect(page).toHaveURL(/\/$/);
      },
    );
  });
}

flagTest.describe('every flag on', () => {
  flagTest('the menu lists every feature screen, each opens, and the dashboard keeps the charts', async ({ page }) => {
    expect(offServer, "the run's own server, every flag on").toBeNull();
    await signIn(page, 'flags-on');
    for (const screen of FEATURES.flatMap((feature) => [...feature.screens])) {
      await expect(menu(page).getByRole('link', { name: MENU_LABEL[screen], exact: true })).toBeVisible();
    }
    await expect(page.getByTestId('dashboard-charts-place')).toBeAttached();
    for (const screen of FEATURES.flatMap((feature) => [...feature.screens])) {
      await menu(page).getByRole('link', { name: MENU_LABEL[screen], exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`${screen}$`));
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByRole('heading', { name: 'Recurso desligado' })).toHaveCount(0);
    }
  });
});
