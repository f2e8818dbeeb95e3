import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { saoPauloDay } from './clock.js';
import {
  expect as baseExpect,
  choose,
  createAccountViaUi,
  documentScrollWidth,
  newPerson,
  registerViaApi,
  test,
  testNow,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
const TAP_TARGET_MIN_PX = 44;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const expect = baseExpect.configure({ timeout: 15_000 });

/** This month in São Paulo at the run's start, YYYY-MM. */
function thisMonth(): string {
  return saoPauloDay(testNow()).slice(0, 7);
}

function monthAlone(month: string, language: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(language, { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, monthNumber - 1, 15, 12)),
  );
}

/**
 * Runs the budget_alert job once, as an operator does (`npm run job -- budget_alert`),
 * against the browser tests' database and on the run's clock.
 */
function runBudgetAlertJob(): void {
  runJob('budget_alert');
}

/** One run of a job, as an operator does (`npm run job -- <name>`), on the browser tests' database and clock. */
function runJob(name: 'budget_alert' | 'materialize_recurring'): void {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set: global setup did not run');
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/job.ts', name], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'test',
      TEST_CLOCK_START: testNow().toISOString(),
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
  });
  const summary = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { job?: string; ran?: boolean };
  expect(summary).toMatchObject({ job: name, ran: true });
}

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

async function foodCategoryId(page: Page): Promise<string> {
  const response = await page.request.get('/api/categories?skip=0&limit=100&include_archived=false');
  const { items } = (await response.json()) as { items: { id: string; system_key: string | null }[] };
  const food = items.find((item) => item.system_key === 'food');
  if (!food) throw new Error('no default food category');
  return food.id;
}

test('on a phone in pt-BR, an expense past 80 % of a budget rings the bell, and the alert opens the budgets page', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.setViewportSize(PHONE);
  await registerViaApi(page, newPerson('Ana Lima', 'bell-phone'));
  await createAccountViaUi(page, { name: 'Itaú', balance: '5.000,00' });
  const month = thisMonth();

  await page.goto('/orcamentos');
  await page.getByRole('button', { name: 'Definir orçamento' }).click();
  const form = page.getByRole('dialog', { name: 'Definir orçamento' });
  await choose(page, form.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
  await form.getByLabel('Limite do mês').fill('1.000,00');
  // The default alerts are 50, 80 and 100 %; this budget warns at 60 %, 80 % and 100 % instead.
  await expect(form.getByLabel('Avisar ao chegar a')).toHaveValue('50');
  await expect(form.getByLabel('Outros avisos (%)')).toHaveValue('80, 100');
  await form.getByLabel('Avisar ao chegar a').fill('60');
  await form.getByRole('button', { name: 'Salvar orçamento' }).click();
  await expect(form).toBeHidden();

  await page.goto('/lancamentos');
  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const expense = page.getByRole('dialog', { name: 'Nova despesa' });
  await expense.getByLabel('Valor').fill('850,00');
  await expense.getByLabel('Descrição').fill('Mercado');
  await choose(page, expense.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
  await expense.getByRole('button', { name: 'Salvar' }).click();
  await expect(expense).toBeHidden();

  const quietBell = page.getByRole('button', { name: 'Notificações', exact: true });
  await expect(quietBell).toBeVisible();
  runBudgetAlertJob();
  await page.reload();

  // R$ 850,00 of R$ 1.000,00 crossed 60 % and 80 % at once: two alerts.
  const bell = page.getByRole('button', { name: 'Notificações (2 não lidas)' });
  await expect(bell).toBeVisible();
  await expect(page.getByTestId('notification-count')).toContainText('2');
  const box = await bell.boundingBox();
  expect(box?.width).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  expect(box?.height).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  await bell.click();
  const list = page.getByRole('dialog', { name: 'Notificações' });
  const alert = list.getByRole('button', {
    name: `Você já gastou 80 % do orçamento de Alimentação em ${monthAlone(month, 'pt-BR')}`,
  });
  await expect(alert).toBeVisible();
  await expect(list.locator('[data-notification]')).toHaveCount(2);
  await expect(list.getByRole('button', { name: /^Você já gastou 60 % do orçamento de Alimentação/ })).toBeVisible();
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  // Every header control stays on the screen with the bell there.
  for (const control of [bell, page.getByRole('button', { name: 'Meu cadastro' })]) {
    const edge = await control.boundingBox();
    expect((edge?.x ?? 0) + (edge?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
  }
  await page.screenshot({ path: test.info().outputPath('bell-open-phone.png'), animations: 'disabled' });

  await alert.click();
  await expect(page).toHaveURL(new RegExp(`/orcamentos\\?mes=${month}$`));
  await expect(page.locator('[data-budget-line][data-category-name="Alimentação"]')).toHaveAttribute('data-status', 'warning');
  await expect(page.getByRole('button', { name: 'Notificações (1 não lidas)' })).toBeVisible();

  await page.getByRole('button', { name: 'Notificações (1 não lidas)' }).click();
  await list.getByRole('button', { name: 'Marcar todas como lidas' }).click();
  await expect(page.getByRole('button', { name: 'Notificações', exact: true })).toBeVisible();
  await expect(list.getByRole('button', { name: 'Marcar todas como lidas' })).toBeDisabled();
});

test('on a wide screen in English, the alert reads in English and links to that month', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(DESKTOP);
  await registerViaApi(page, newPerson('Lucas Prado', 'bell-desktop'));
  const month = thisMonth();
  const account = await apiPost<{ id: string }>(page, '/api/accounts', {
    name: 'Nubank',
    type: 'checking',
    initial_balance_cents: 500_000,
  });
  const food = await foodCategoryId(page);
  const budget = await page.request.put(`/api/budgets/${month}/${food}`, {
    data: { limit_cents: 100_000, alert_thresholds: [80, 100] },
    headers: CSRF,
  });
  expect(budget.status()).toBe(201);
  await apiPost(page, '/api/transactions', {
    account_id: account.id,
    type: 'expense',
    amount_cents: 85_000,
    description: 'Restaurante',
    category_id: food,
  });
  runBudgetAlertJob();

  await page.goto('/');
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  const bell = page.getByRole('button', { name: 'Notifications (1 unread)' });
  await expect(bell).toBeVisible();
  await bell.click();
  const list = page.getByRole('dialog', { name: 'Notifications' });
  const alert = list.getByRole('button', {
    name: `You've spent 80% of your Food budget for ${monthAlone(month, 'en')}`,
  });
  await expect(alert).toBeVisible();
  await alert.click();
  await expect(page).toHaveURL(new RegExp(`/orcamentos\\?mes=${month}$`));
  await expect(page.locator('[data-budget-line]')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Notifications', exact: true })).toBeVisible();
});

test('a bill that could not be posted on its day rings the bell, says why, and opens the recurring screen', async ({ page }) => {
  await page.setViewportSize(PHONE);
  await registerViaApi(page, newPerson('Rui Prado', 'bell-recurring'));
  const wallet = await apiPost<{ id: string }>(page, '/api/accounts', { name: 'Carteira', type: 'cash' });
  const today = saoPauloDay(testNow());
  await apiPost(page, '/api/recurring', {
    account_id: wallet.id,
    type: 'expense',
    amount_cents: 5_000,
    description: 'Feira',
    schedule: { kind: 'every_n_days', days: 7 },
    start_on: today,
  });
  runJob('materialize_recurring');

  await page.goto('/');
  await page.getByRole('button', { name: 'Notificações (1 não lidas)' }).click();
  const list = page.getByRole('dialog', { name: 'Notificações' });
  const [year, month, day] = today.split('-');
  const notice = list.getByRole('button', {
    name: new RegExp(
      `^Não foi possível lançar "Feira" de ${day}/${month}/${year} \\(R\\$\\s50,00\\): Saldo insuficiente nesta conta\\.`,
    ),
  });
  await expect(notice).toBeVisible();
  await notice.click();
  await expect(page).toHaveURL(/\/recorrentes$/);
  await expect(
    page
      .locator('[data-rule-row][data-rule-name="Feira"]')
      .getByRole('button', { name: `Lançar agora a ocorrência de ${day}/${month}/${year}` }),
  ).toBeVisible();
});
