import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  accountRow,
  expect as baseExpect,
  choose,
  createAccountViaUi,
  documentScrollWidth,
  expectAccountBalance,
  expectAmountsFullyVisible,
  newPerson,
  registerViaApi,
  test,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** The flows below take a dozen screens each; the default 60 s is sized for a few forms. */
const LONG_FLOW_TIMEOUT_MS = 90_000;
/**
 * Each step waits for a write and the refetches it causes; on a busy two-core machine
 * (integration tests running alongside) that can pass the default 5 s.
 */
const expect = baseExpect.configure({ timeout: 15_000 });

// --- API helpers: they use the page's own request context, so the browser's session cookie.

interface CreatedAccount {
  id: string;
  row_version: number;
}

async function apiCreateAccount(
  page: Page,
  body: { name: string; type: string; initial_balance_cents?: number; overdraft_limit_cents?: number },
) {
  const response = await page.request.post('/api/accounts', { data: body, headers: CSRF });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as CreatedAccount;
}

async function apiCreateEntry(
  page: Page,
  body: { account_id: string; type: 'income' | 'expense'; amount_cents: number; description: string },
) {
  const response = await page.request.post('/api/transactions', { data: body, headers: CSRF });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { transaction: { id: string; row_version: number } }).transaction;
}

/** The id of one's account by its name, for the API calls that stand for another device. */
async function apiAccountId(page: Page, name: string): Promise<string> {
  const response = await page.request.get('/api/accounts?skip=0&limit=100');
  expect(response.status()).toBe(200);
  const { items } = (await response.json()) as { items: { id: string; name: string }[] };
  const found = items.find((item) => item.name === name);
  if (!found) throw new Error(`no account named ${name}`);
  return found.id;
}

test.describe('the ledger screens', () => {
  test('accounts, an expense typed the Brazilian way, a transfer and a reversal keep balances right', async ({ page }) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Helena Prado', 'ledger'));
    await page.goto('/');

    // The empty dashboard is the first-account form.
    await expect(page.getByRole('heading', { name: 'Comece pela sua primeira conta' })).toBeVisible();
    await page.getByLabel('Nome da conta').fill('Nubank');
    await page.getByLabel('Saldo atual').fill('2.000,00');
    await page.getByRole('button', { name: 'Criar conta' }).click();
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 2.000,00');

    // A second account from the accounts screen.
    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await page.getByRole('button', { name: 'Nova conta' }).click();
    const newAccount = page.getByRole('dialog', { name: 'Nova conta' });
    await newAccount.getByLabel('Nome da conta').fill('Carteira');
    await choose(page, newAccount.getByRole('combobox', { name: 'Tipo' }), 'Dinheiro');
    await newAccount.getByRole('button', { name: 'Criar conta' }).click();
    await expect(newAccount).toBeHidden();
    await expectAccountBalance(page, 'Nubank', 'R$ 2.000,00');
    await expectAccountBalance(page, 'Carteira', 'R$ 0,00');
    await expect(page.getByTestId('accounts-total')).toHaveText('R$ 2.000,00');

    // An expense. A dot that does not group thousands is refused before anything is sent.
    let entryPosts = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/transactions') entryPosts += 1;
    });
    await page.getByRole('link', { name: 'Lançamentos', exact: true }).click();
    await page.getByRole('button', { name: 'Nova despesa' }).click();
    const expense = page.getByRole('dialog', { name: 'Nova despesa' });
    await expense.getByLabel('Valor').fill('1234.56');
    await expense.getByRole('button', { name: 'Salvar' }).click();
    await expect(expense.getByText('Use o formato 1.234,56 (vírgula antes dos centavos).')).toBeVisible();
    expect(entryPosts).toBe(0);

    await expense.getByLabel('Valor').fill('1.234,56');
    await expense.getByLabel('Descrição').fill('Mercado');
    await choose(page, expense.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
    await choose(page, expense.getByRole('combobox', { name: 'Conta', exact: true }), 'Nubank');
    // Behind the form, the list holds one row so far: Nubank's opening balance.
    const allRows = page.locator('[data-transaction-row]');
    await expect(allRows).toHaveCount(1);
    // A double click posts once: the button disables itself and the form drops a second submit.
    await expense.getByRole('button', { name: 'Salvar' }).dblclick();
    await expect(expense).toBeHidden();
    await expect(page.getByText('Despesa de R$ 1.234,56 registrada.')).toBeVisible();
    expect(entryPosts).toBe(1);
    await expect(allRows).toHaveCount(2);

    const row = page.locator('[data-transaction-row]').filter({ hasText: 'Mercado' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('-R$ 1.234,56');
    await expect(row).toContainText('Alimentação');
    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expectAccountBalance(page, 'Nubank', 'R$ 765,44');

    // A transfer between the two accounts.
    await page.getByRole('link', { name: 'Transferir', exact: true }).click();
    await expect(page.getByRole('combobox', { name: 'De', exact: true })).toHaveValue('Nubank');
    await choose(page, page.getByRole('combobox', { name: 'Para', exact: true }), 'Carteira');
    await page.getByLabel('Valor').fill('100');
    await page.getByRole('button', { name: 'Transferir', exact: true }).click();
    await expect(page.getByText('Transferência de R$ 100,00 registrada.')).toBeVisible();
    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expectAccountBalance(page, 'Nubank', 'R$ 665,44');
    await expectAccountBalance(page, 'Carteira', 'R$ 100,00');

    // More than the wallet holds: the screen asks before taking it below zero (ledger_v2);
    // going back sends nothing (test/e2e/accounts-settings.spec.ts records one).
    await accountRow(page, 'Carteira').getByRole('link').click();
    await page.getByRole('button', { name: 'Nova despesa' }).click();
    const tooMuch = page.getByRole('dialog', { name: 'Nova despesa' });
    await tooMuch.getByLabel('Valor').fill('500,00');
    await tooMuch.getByRole('button', { name: 'Salvar' }).click();
    await expect(tooMuch.getByRole('alert')).toContainText('Isso deixará a conta negativa em R$ 400,00. Registrar mesmo assim?');
    await tooMuch.getByRole('button', { name: 'Voltar e corrigir' }).click();
    await tooMuch.getByRole('button', { name: 'Fechar' }).click();
    await expect(page.getByTestId('account-balance')).toHaveText('R$ 100,00');

    // Deleting the expense (a reversal), after confirming, restores the balances; both
    // leave the default list and come back with the filter (issue 11, corrections.spec.ts).
    await page.getByRole('link', { name: 'Lançamentos', exact: true }).click();
    await page.getByRole('button', { name: 'Mercado' }).click();
    const details = page.getByRole('dialog', { name: 'Lançamento' });
    await details.getByRole('button', { name: 'Excluir' }).click();
    const confirm = page.getByRole('dialog', { name: 'Excluir este lançamento?' });
    await expect(confirm).toContainText('R$ 1.234,56');
    await confirm.getByRole('button', { name: 'Sim, excluir' }).click();
    await expect(page.getByText('Lançamento excluído.')).toBeVisible();
    await expect(confirm).toBeHidden();
    await expect(details).toBeHidden();
    await page.getByRole('button', { name: 'Mostrar excluídos/corrigidos' }).click();
    await expect(page.locator('[data-transaction-row]').filter({ hasText: 'Exclusão de Mercado' })).toContainText('+R$ 1.234,56');

    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expectAccountBalance(page, 'Nubank', 'R$ 1.900,00');
    await expectAccountBalance(page, 'Carteira', 'R$ 100,00');
    await expect(page.getByTestId('accounts-total')).toHaveText('R$ 2.000,00');
  });

  // Reads no date: measured on the ordinary day only (scripts/test.mjs leaves @no-calendar out at hostile dates).
  test('a stale edit shows the conflict and reloads the current values', { tag: '@no-calendar' }, async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Sofia Ramos', 'conflict'));
    await createAccountViaUi(page, { name: 'Itaú', balance: '500,00' });
    const account = await apiAccountId(page, 'Itaú');
    // The edit made "elsewhere" below needs the transaction's id and version: it is set up
    // through the API, as the other device would.
    const transaction = await apiCreateEntry(page, {
      account_id: account,
      type: 'expense',
      amount_cents: 1_250,
      description: 'Padaria',
    });

    await page.goto('/lancamentos');
    await page.getByRole('button', { name: 'Padaria' }).click();
    const dialog = page.getByRole('dialog', { name: 'Lançamento' });
    const description = dialog.getByLabel('Descrição');
    await expect(description).toHaveValue('Padaria');
    await description.fill('Padaria do bairro');

    // Meanwhile, somewhere else, the same transaction is edited.
    const elsewhere = await page.request.patch(`/api/transactions/${transaction.id}`, {
      data: { description: 'Padaria Central', row_version: transaction.row_version },
      headers: CSRF,
    });
    expect(elsewhere.status(), await elsewhere.text()).toBe(200);

    await dialog.getByRole('button', { name: 'Salvar' }).click();
    const conflict = dialog.getByRole('alert');
    await expect(conflict).toContainText('Alterado em outro lugar');
    await conflict.getByRole('button', { name: 'Carregar valores atuais' }).click();
    await expect(description).toHaveValue('Padaria Central');
    await expect(conflict).toBeHidden();

    // With the current version loaded, the edit goes through.
    await description.fill('Padaria Central (pão)');
    await dialog.getByRole('button', { name: 'Salvar' }).click();
    await expect(page.getByText('Alterações salvas.')).toBeVisible();
    await dialog.getByRole('button', { name: 'Fechar' }).click();
    await expect(page.getByRole('button', { name: 'Padaria Central (pão)' })).toBeVisible();
  });

  test('accounts and transactions fit a 360 px screen, amounts whole (screenshots)', async ({ page }, testInfo) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await registerViaApi(page, newPerson('Maria Clara Souza', 'narrow'));
    const main = await apiCreateAccount(page, {
      name: 'Conta corrente do Banco do Brasil agência centro',
      type: 'checking',
      initial_balance_cents: 123_456_789,
    });
    const card = await apiCreateAccount(page, {
      name: 'Cartão Nubank',
      type: 'credit_card',
      initial_balance_cents: -98_765,
      overdraft_limit_cents: 500_000,
    });
    await apiCreateAccount(page, { name: 'Poupança', type: 'savings', initial_balance_cents: 5_000_000 });
    await apiCreateEntry(page, {
      account_id: main.id,
      type: 'expense',
      amount_cents: 99_999_99,
      description: 'Reforma completa da cozinha e do banheiro do apartamento',
    });
    await apiCreateEntry(page, {
      account_id: main.id,
      type: 'income',
      amount_cents: 1_234_567,
      description: 'Salário de novembro',
    });
    await apiCreateEntry(page, { account_id: card.id, type: 'expense', amount_cents: 4_590, description: 'Padaria' });

    await page.setViewportSize(PHONE);
    await page.goto('/contas');
    await expectAccountBalance(page, 'Conta corrente do Banco do Brasil agência centro', 'R$ 1.146.913,57');
    await expectAccountBalance(page, 'Cartão Nubank', '-R$ 1.033,55');
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await expectAmountsFullyVisible(page);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'accounts.png'),
      fullPage: true,
      animations: 'disabled',
    });

    await page.goto('/lancamentos');
    await expect(page.locator('[data-transaction-row]')).toHaveCount(6);
    await expect(page.getByTestId('transaction-cards')).toBeVisible();
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await expectAmountsFullyVisible(page);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'transactions-phone.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // The dashboard and an account's statement too.
    await page.goto('/');
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 1.195.880,02');
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await expectAmountsFullyVisible(page);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'dashboard-accounts-phone.png'),
      fullPage: true,
      animations: 'disabled',
    });
    // The expense form takes the whole screen on a phone.
    await page.getByRole('button', { name: 'Nova despesa' }).click();
    await expect(page.getByRole('dialog', { name: 'Nova despesa' }).getByLabel('Valor')).toBeFocused();
    await page.screenshot({ path: path.join(testInfo.project.outputDir, 'expense-phone.png'), animations: 'disabled' });
    await page.keyboard.press('Escape');
    await page.goto(`/contas/${main.id}`);
    await expect(page.locator('[data-statement-line]')).toHaveCount(3);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'statement-phone.png'),
      fullPage: true,
      animations: 'disabled',
    });
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await expectAmountsFullyVisible(page);

    // On a wide screen the same list is a table.
    await page.setViewportSize(DESKTOP);
    await page.goto('/lancamentos');
    await expect(page.getByRole('columnheader', { name: 'Valor' })).toBeVisible();
    await expectAmountsFullyVisible(page);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'transactions.png'),
      fullPage: true,
      animations: 'disabled',
    });
  });

  test('default categories are shown in English after switching the language', { tag: '@no-calendar' }, async ({ page }) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Lucas Pereira', 'categories'));
    await createAccountViaUi(page, { name: 'Inter', balance: '100,00' });
    await page.goto('/categorias');
    await expect(page.getByText('Moradia', { exact: true })).toBeVisible();
    await expect(page.getByText('Pix recebido', { exact: true })).toBeVisible();

    // A category of one's own is shown as typed, in every language.
    await page.getByLabel('Nome da categoria').fill('Pet shop');
    await page.getByRole('button', { name: 'Adicionar' }).click();
    await expect(page.getByText('Categoria "Pet shop" criada.')).toBeVisible();

    await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Categories', exact: true })).toBeVisible();
    const expenses = page.getByRole('region', { name: 'Expenses' });
    const income = page.getByRole('region', { name: 'Income' });
    for (const name of ['Housing', 'Food', 'Transport', 'Taxes and fees', 'Pet shop']) {
      await expect(expenses.getByText(name, { exact: true })).toBeVisible();
    }
    for (const name of ['Salary', 'Pix received', 'Investment income']) {
      await expect(income.getByText(name, { exact: true })).toBeVisible();
    }
    await expect(page.getByText('Moradia', { exact: true })).toHaveCount(0);

    // The expense form offers them in English too.
    await page.getByRole('link', { name: 'Transactions' }).click();
    await page.getByRole('button', { name: 'New expense' }).click();
    await page.getByRole('dialog', { name: 'New expense' }).getByRole('combobox', { name: 'Category' }).click();
    await expect(page.getByRole('option', { name: 'Food', exact: true })).toBeVisible();
    await expect(page.getByRole('option', { name: 'Salary', exact: true })).toHaveCount(0);
  });
});
