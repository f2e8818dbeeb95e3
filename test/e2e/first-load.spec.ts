import type { Page } from '@playwright/test';
import { PRECOMPRESS_MIN_BYTES } from '../../src/http/precompress.js';
import { expect, newPerson, registerViaApi, test } from './support.js';

const PHONE = { width: 360, height: 800 };
const DESKTOP = { width: 1280, height: 800 };
/** Chunks of signed-in pages are named after them by the build (e.g. DashboardPage-<hash>.js). */
const SIGNED_IN_PAGE_CHUNK = /\/assets\/(\w+Page)-[\w-]+\.js$/;

interface ScriptResponse {
  url: string;
  encoding: string | undefined;
  vary: string | undefined;
  cacheControl: string | undefined;
  bytes: number;
}

/** Brotli, except a file too small for compression to pay (the build leaves those alone). */
const expectedEncoding = (script: ScriptResponse) =>
  script.encoding === undefined && script.bytes < PRECOMPRESS_MIN_BYTES ? undefined : 'br';

function recordScripts(page: Page): ScriptResponse[] {
  const scripts: ScriptResponse[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    const headers = response.headers();
    scripts.push({
      url: response.url(),
      encoding: headers['content-encoding'],
      vary: headers.vary,
      cacheControl: headers['cache-control'],
      bytes: Number(headers['content-length']),
    });
  });
  return scripts;
}

const pagesLoaded = (scripts: readonly ScriptResponse[]) =>
  scripts.map((script) => SIGNED_IN_PAGE_CHUNK.exec(script.url)?.[1]).filter((name) => name !== undefined);

test('the first screen loads compressed and alone; each signed-in page arrives with its route', async ({ page }) => {
  const scripts = recordScripts(page);
  await page.setViewportSize(PHONE);

  // A newcomer at 360 px: the sign-in form, its scripts in brotli, cached for good, and no signed-in page.
  await page.goto('/');
  await expect(page.getByLabel('E-mail')).toBeVisible();
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) {
    expect(script.encoding, script.url).toBe(expectedEncoding(script));
    expect(script.vary, script.url).toMatch(/accept-encoding/i);
    expect(script.cacheControl, script.url).toBe('public, max-age=31536000, immutable');
  }
  expect(pagesLoaded(scripts)).toEqual([]);

  // Signed in, in English at 1280 px: the dashboard's code comes when it is shown, the accounts page's on the way there.
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await registerViaApi(page, newPerson('Ana Souza', 'first-load'));
  await page.setViewportSize(DESKTOP);
  await page.reload();
  await expect(page.getByRole('heading', { name: /Ana/ })).toBeVisible();
  expect(pagesLoaded(scripts)).toEqual(['DashboardPage']);
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  expect(pagesLoaded(scripts)).toEqual(['DashboardPage', 'AccountsPage']);
  for (const script of scripts) expect(script.encoding, script.url).toBe(expectedEncoding(script));
});

test('a page whose chunk a new release replaced reloads once and then opens', async ({ page }) => {
  await registerViaApi(page, newPerson('Bruno Lima', 'stale-chunk'));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /Bruno/ })).toBeVisible();
  // The first request for the accounts page's chunk gets the 404 a replaced chunk gets.
  let refused = 0;
  await page.route(/\/assets\/AccountsPage-[\w-]+\.js$/, async (route) => {
    if (refused > 0) return route.continue();
    refused += 1;
    return route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"code":"not_found"}' });
  });
  const reloaded = page.waitForEvent('load');
  await page.getByRole('link', { name: 'Contas', exact: true }).click();
  await reloaded;
  expect(refused).toBe(1);
  await page.getByRole('link', { name: 'Contas', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Contas', level: 1 })).toBeVisible();
});

/** Chunks only a form needs: the forms, their pickers, the date picker's libraries, the first-run steps. */
const FORM_CHUNK =
  /\/assets\/(TransactionDialog|TransactionForm|TransferForm|DateField|CategoryPicker|dates|FirstAccountStep|FirstExpenseStep)-[\w-]+\.js$/;
const formChunks = (scripts: readonly ScriptResponse[]) =>
  scripts.map((script) => FORM_CHUNK.exec(script.url)?.[1]).filter((name) => name !== undefined);

test("a returning person's dashboard loads no form; opening a transaction brings its dialog", async ({ page }) => {
  await page.setViewportSize(PHONE);
  await registerViaApi(page, newPerson('Carla Dias', 'dashboard-forms'));
  const csrf = { 'X-Requested-With': 'vai-de-pix' };
  const account = await page.request.post('/api/accounts', {
    data: { name: 'Conta corrente', type: 'checking', initial_balance_cents: 50_000 },
    headers: { ...csrf, 'Idempotency-Key': 'dashboard-forms-account' },
  });
  expect(account.status(), await account.text()).toBe(201);
  const { id } = (await account.json()) as { id: string };
  const expense = await page.request.post('/api/transactions', {
    data: { type: 'expense', account_id: id, amount_cents: 1_250, description: 'Padaria' },
    headers: { ...csrf, 'Idempotency-Key': 'dashboard-forms-expense' },
  });
  expect(expense.status(), await expense.text()).toBe(201);

  const scripts = recordScripts(page);
  await page.goto('/');
  await expect(page.getByTestId('total-balance')).toHaveText('R$ 487,50');
  await expect(page.getByRole('button', { name: 'Padaria' })).toBeVisible();
  expect(formChunks(scripts)).toEqual([]);

  await page.getByRole('button', { name: 'Padaria' }).click();
  const dialog = page.getByRole('dialog', { name: 'Lançamento', exact: true });
  await expect(dialog.getByLabel('Valor')).toHaveValue('12,50');
  expect(formChunks(scripts)).toContain('TransactionDialog');
  expect(formChunks(scripts)).not.toContain('FirstAccountStep');
  // Closing the dialog that was fetched for this opening returns focus to the row that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Padaria' })).toBeFocused();
});
