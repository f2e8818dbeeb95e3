import type { Page } from '@playwright/test';
import { expect as baseExpect, newPerson, registerViaApi, resizeAndSettle, test } from './support.js';

/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const CSRF = { 'X-Requested-With': 'vai-de-pix' };

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

test('the transactions search ignores accents and case, at 360 px in pt-BR and 1280 px in English', async ({ page }) => {
  await resizeAndSettle(page, { width: 360, height: 740 });
  await registerViaApi(page, newPerson('Beatriz Nogueira', 'search'));
  const account = await apiPost<{ id: string }>(page, '/api/accounts', {
    name: 'Nubank',
    type: 'checking',
    initial_balance_cents: 100_000,
  });
  for (const description of ['Farmácia São João', 'Padaria', 'AÇOUGUE DO ZÉ'])
    await apiPost(page, '/api/transactions', { type: 'expense', account_id: account.id, amount_cents: 1_000, description });

  await page.goto('/lancamentos');
  const rows = page.locator('[data-transaction-row]');
  // The three expenses and the opening balance.
  await expect(rows).toHaveCount(4);
  await page.getByLabel('Buscar').fill('farmacia sao joao');
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('Farmácia São João');

  await resizeAndSettle(page, { width: 1280, height: 800 });
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await page.getByLabel('Search').fill('acougue do ze');
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('AÇOUGUE DO ZÉ');
});
