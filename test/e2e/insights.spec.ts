import type { Page } from '@playwright/test';
import { saoPauloDay } from './clock.js';
import { expect as baseExpect, documentScrollWidth, newPerson, registerViaApi, test, testNow } from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** The charts wait for their code, the insights and a render: a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const CHARTS_CHUNK = /\/assets\/(charts|InsightsCharts)-[\w-]+\.js$/;

/** The month `delta` months from the run's "today" in São Paulo, YYYY-MM. */
function monthFromToday(delta: number): string {
  const [year, month] = saoPauloDay(testNow()).split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, month - 1 + delta, 1, 12));
  return date.toISOString().slice(0, 7);
}

let keys = 0;
async function post(page: Page, url: string, data: Record<string, unknown>) {
  keys += 1;
  const response = await page.request.post(url, {
    data,
    headers: { ...CSRF, 'Idempotency-Key': `insights-${Date.now()}-${keys}` },
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/** Someone with three months of income and spending in two categories, and a budget this month. */
async function personWithHistory(page: Page, label: string) {
  await registerViaApi(page, newPerson('Helena Prado', label));
  const account = await post(page, '/api/accounts', { name: 'Conta corrente', type: 'checking', initial_balance_cents: 500_000 });
  const categories = (await (await page.request.get('/api/categories?kind=expense')).json()).items as Array<{
    id: string;
    system_key: string | null;
  }>;
  const idOf = (key: string) => categories.find((category) => category.system_key === key)?.id;
  const today = saoPauloDay(testNow());
  for (const delta of [-2, -1, 0]) {
    const day = delta === 0 ? today : `${monthFromToday(delta)}-10`;
    await post(page, '/api/transactions', {
      type: 'income',
      account_id: account.id,
      amount_cents: 300_000,
      description: 'Salário',
      occurred_on: day,
    });
    await post(page, '/api/transactions', {
      type: 'expense',
      account_id: account.id,
      amount_cents: 80_000 + delta * 10_000,
      description: 'Mercado',
      category_id: idOf('food'),
      occurred_on: day,
    });
    await post(page, '/api/transactions', {
      type: 'expense',
      account_id: account.id,
      amount_cents: 45_000,
      description: 'Aluguel',
      category_id: idOf('housing'),
      occurred_on: day,
    });
  }
  const budget = await page.request.put(`/api/budgets/${monthFromToday(0)}/${idOf('food')}`, {
    data: { limit_cents: 100_000 },
    headers: CSRF,
  });
  expect(budget.status(), await budget.text()).toBe(201);
}

/** Counts of drawn marks in each chart: pie sectors, bars, the balance line, the budget bars. */
async function drawnMarks(page: Page) {
  const charts = page.getByTestId('dashboard-charts');
  return {
    sectors: await charts.getByTestId('chart-categories').locator('svg path.recharts-sector').count(),
    bars: await charts.getByTestId('chart-flows').locator('svg path.recharts-rectangle').count(),
    lines: await charts.getByTestId('chart-balance').locator('svg path.recharts-line-curve').count(),
    budgets: await charts.getByTestId('chart-budgets').getByRole('progressbar').count(),
  };
}

async function expectChartsDrawn(page: Page, titles: { categories: string; flows: string; balance: string }, shot: string) {
  // The charts' place at the foot of the dashboard: scrolled to, it fetches them.
  await page.getByTestId('dashboard-charts-place').scrollIntoViewIfNeeded();
  const charts = page.getByTestId('dashboard-charts');
  await charts.scrollIntoViewIfNeeded();
  await expect(charts.getByRole('heading', { name: titles.categories })).toBeVisible();
  await expect.poll(async () => (await drawnMarks(page)).sectors).toBeGreaterThan(0);
  const marks = await drawnMarks(page);
  // Food and housing this month; income and expenses for six months (empty ones draw nothing).
  expect(marks.sectors).toBe(2);
  expect(marks.bars).toBeGreaterThanOrEqual(6);
  expect(marks.lines).toBe(1);
  expect(marks.budgets).toBe(1);
  // The same figures for screen readers, as R$ 1.234,56.
  const table = charts.getByRole('table', { name: titles.categories });
  await expect(table).toBeAttached();
  await expect(table.getByRole('cell', { name: 'R$ 800,00' }).first()).toBeAttached();
  await expect(charts.getByRole('table', { name: titles.flows })).toBeAttached();
  await expect(charts.getByRole('table', { name: titles.balance })).toBeAttached();
  await charts.screenshot({ path: test.info().outputPath(`${shot}.png`) });
  await page.screenshot({ path: test.info().outputPath(`${shot}-page.png`), fullPage: true });
}

test('the dashboard draws its charts with data, below the first screen, in Portuguese and English', async ({ page }) => {
  const scripts: string[] = [];
  page.on('request', (request) => {
    if (CHARTS_CHUNK.test(request.url())) scripts.push(request.url());
  });
  await page.setViewportSize(PHONE);
  await personWithHistory(page, 'insights-dashboard');
  await page.goto('/');
  await expect(page.getByTestId('total-balance')).toBeVisible();
  // The first screen is usable without the charts' code (Recharts comes when they are scrolled to).
  expect(scripts).toEqual([]);
  const pt = { categories: 'Gastos por categoria', flows: 'Receitas e despesas', balance: 'Saldo ao longo do tempo' };
  await expectChartsDrawn(page, pt, 'dashboard-pt-360');
  expect(scripts.length).toBeGreaterThan(0);
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);

  // "Ver tabela" shows the figures on screen too.
  const categories = page.getByTestId('chart-categories');
  await categories.getByRole('button', { name: 'Ver tabela' }).click();
  await expect(categories.getByRole('table', { name: pt.categories })).toBeVisible();

  await page.setViewportSize(DESKTOP);
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await expectChartsDrawn(
    page,
    { categories: 'Spending by category', flows: 'Income and expenses', balance: 'Balance over time' },
    'dashboard-en-1280',
  );
});

test('the Análises page shows the month in figures and charts, and switches months', async ({ page }) => {
  await page.setViewportSize(PHONE);
  await personWithHistory(page, 'insights-page');
  await page.goto('/analises');
  await expect(page.getByRole('heading', { name: 'Análises', level: 1 })).toBeVisible();
  const figures = page.getByTestId('insights-figures');
  // This month: R$ 3.000,00 in, R$ 800,00 + R$ 450,00 out.
  await expect(figures).toContainText('R$ 3.000,00');
  await expect(figures).toContainText('R$ 1.250,00');
  await expect(page.getByTestId('savings-rate')).toHaveText(/58,3\s?%/);
  await expect(page.getByTestId('top-payees')).toContainText('Mercado');
  await expect(page.locator('[data-testid="chart-flows"] svg path.recharts-rectangle').first()).toBeVisible();
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  // The month has not begun yet after this one: the server refuses it, so the picker stops here.
  await expect(page.getByRole('button', { name: 'Próximo mês' })).toBeDisabled();
  await page.getByRole('button', { name: 'Mês anterior' }).click();
  await expect(figures).toContainText('R$ 1.150,00');
  await expect(page.getByRole('button', { name: 'Próximo mês' })).toBeEnabled();
  await page.screenshot({ path: test.info().outputPath('insights-page-360.png'), fullPage: true });
});
