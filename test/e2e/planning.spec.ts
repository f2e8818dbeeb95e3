import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { saoPauloDay } from './clock.js';
import {
  accountRow,
  expect as baseExpect,
  choose,
  createAccountViaUi,
  documentScrollWidth,
  expectAmountsFullyVisible,
  newPerson,
  registerViaApi,
  test,
  testNow,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
const LONG_FLOW_TIMEOUT_MS = 90_000;
/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
/** The rows of the planning screens whose texts must never overlap. */
const PLANNING_ROWS = '[data-budget-line],[data-upcoming-item],[data-rule-row],[data-upcoming-bill],[data-budget-alert]';

// --- Dates as the app sees them: calendar days in São Paulo, on the run's clock.

function todayIso(): string {
  return saoPauloDay(testNow());
}

function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function display(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

/** The first day on or after `fromIso` that a "monthly on day N" rule falls on. */
function nextMonthlyDay(fromIso: string, day: number): string {
  for (let offset = 0; offset < 62; offset += 1) {
    const candidate = addDays(fromIso, offset);
    const [year, month, date] = candidate.split('-').map(Number) as [number, number, number];
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (date === Math.min(day, lastDay)) return candidate;
  }
  throw new Error('no monthly day within two months');
}

function monthName(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat('pt-BR', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, monthNumber - 1, 15, 12)),
  );
}

function nextMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return monthNumber === 12 ? `${year + 1}-01` : `${year}-${String(monthNumber + 1).padStart(2, '0')}`;
}

// --- API helpers: they use the page's own request context, so the browser's session cookie.

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

async function apiCreateAccount(page: Page, body: { name: string; type: string; initial_balance_cents?: number }) {
  return apiPost<{ id: string }>(page, '/api/accounts', body);
}

/** The id of a default category, by its system key (food → Alimentação). */
async function categoryId(page: Page, systemKey: string): Promise<string> {
  const response = await page.request.get('/api/categories?skip=0&limit=100&include_archived=false');
  expect(response.status()).toBe(200);
  const { items } = (await response.json()) as { items: { id: string; system_key: string | null }[] };
  const found = items.find((item) => item.system_key === systemKey);
  if (!found) throw new Error(`no default category ${systemKey}`);
  return found.id;
}

async function apiExpense(
  page: Page,
  body: { account_id: string; amount_cents: number; description: string; category_id: string },
) {
  await apiPost(page, '/api/transactions', { ...body, type: 'expense' });
}

// --- UI helpers.

function goalCard(page: Page, name: string): Locator {
  return page.locator(`[data-goal-card][data-goal-name="${name}"]`);
}

function budgetLine(page: Page, category: string): Locator {
  return page.locator(`[data-budget-line][data-category-name="${category}"]`);
}

/** Fills and sends the "Nova recorrência" form of the recurring screen (already open). */
async function createRuleViaUi(
  page: Page,
  rule: {
    description: string;
    amount: string;
    account: string;
    frequency: { label: 'Mensal'; day: string } | { label: 'A cada N dias'; everyDays: string };
    startOn: string;
  },
): Promise<void> {
  await page.getByRole('button', { name: 'Nova recorrência' }).click();
  const form = page.getByRole('dialog', { name: 'Nova recorrência' });
  await form.getByLabel('Descrição').fill(rule.description);
  await form.getByLabel('Valor').fill(rule.amount);
  await choose(page, form.getByRole('combobox', { name: 'Conta', exact: true }), rule.account);
  await choose(page, form.getByRole('combobox', { name: 'Frequência' }), rule.frequency.label);
  if ('day' in rule.frequency) await choose(page, form.getByRole('combobox', { name: 'Dia do mês' }), rule.frequency.day);
  else await form.getByLabel('A cada quantos dias').fill(rule.frequency.everyDays);
  await form.getByLabel('Começa em').fill(display(rule.startOn));
  await form.getByRole('button', { name: 'Criar recorrência' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByText(`Recorrência "${rule.description}" criada.`)).toBeVisible();
}

async function screenshot(page: Page, outputDir: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(outputDir, name), fullPage: true, animations: 'disabled' });
}

test.describe('goals, budgets and recurring bills', () => {
  test('create a goal, deposit into it from an account, then withdraw everything and archive it', async ({ page }) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Beatriz Nunes', 'goals'));
    await createAccountViaUi(page, { name: 'Nubank', balance: '3.000,00' });
    const targetDate = addDays(todayIso(), 365);

    await page.goto('/');
    await page.getByRole('link', { name: 'Metas', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Metas', level: 1 })).toBeVisible();
    await expect(page.getByText('Você ainda não tem metas.')).toBeVisible();

    await page.getByRole('button', { name: 'Nova meta' }).click();
    const create = page.getByRole('dialog', { name: 'Nova meta' });
    await create.getByLabel('Nome da meta').fill('Viagem para Salvador');
    await create.getByLabel('Quanto você quer juntar').fill('5.000,00');
    await create.getByLabel('Até quando (opcional)').fill(display(targetDate));
    await create.getByRole('button', { name: 'Viagem', exact: true }).click();
    await create.getByRole('button', { name: 'Criar meta' }).click();
    await expect(create).toBeHidden();
    await expect(page.getByText('Meta "Viagem para Salvador" criada.')).toBeVisible();

    const card = goalCard(page, 'Viagem para Salvador');
    await expect(card.getByTestId('goal-saved')).toHaveText('R$ 0,00');
    await expect(card.getByTestId('goal-target')).toHaveText('R$ 5.000,00');
    await expect(card).toContainText(`Prazo: ${display(targetDate)}`);
    // No deposits yet: the monthly amount that meets the date (R$ 5.000,00 over 12 months).
    await expect(card.getByTestId('goal-outlook')).toContainText('Para chegar lá até');
    await expect(card.getByTestId('goal-outlook')).toContainText('R$ 416,67 por mês');

    // A deposit from Nubank: the bar, the saved amount and the percent follow.
    await card.getByRole('button', { name: 'Depositar' }).click();
    const deposit = page.getByRole('dialog', { name: 'Depositar em Viagem para Salvador' });
    await expect(deposit.getByRole('combobox', { name: 'Sai da conta' })).toHaveValue('Nubank');
    await deposit.getByLabel('Valor').fill('1.250,00');
    await deposit.getByRole('button', { name: 'Depositar' }).click();
    await expect(deposit).toBeHidden();
    await expect(page.getByText('R$ 1.250,00 depositados em "Viagem para Salvador".')).toBeVisible();
    await expect(card.getByTestId('goal-saved')).toHaveText('R$ 1.250,00');
    await expect(card.getByTestId('goal-percent')).toHaveText('25%');
    const bar = card.getByRole('progressbar', { name: 'Progresso da meta Viagem para Salvador: 25%' });
    await expect(bar).toHaveAttribute('aria-valuenow', '25');
    await expect(card).toContainText('Faltam R$ 3.750,00');
    // A goal in its first month has no pace yet: it is "Começando", never behind, and says
    // what a month needs (R$ 3.750,00 over 12 months).
    await expect(card.getByTestId('goal-outlook')).toContainText('Meta nova. Para chegar lá até');
    await expect(card.getByTestId('goal-outlook')).toContainText('R$ 312,50 por mês');
    await expect(card.getByText('Começando', { exact: true })).toBeVisible();
    await expect(card.getByText('Abaixo do ritmo', { exact: true })).toHaveCount(0);

    // The money left the account.
    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expect(accountRow(page, 'Nubank').locator('[data-money]')).toHaveText('R$ 1.750,00');

    // The dashboard shows the goal with its bar.
    await page.getByRole('link', { name: 'Painel', exact: true }).click();
    // What left the account is not lost from view: "Guardado em metas" beside "Saldo total".
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 1.750,00');
    await expect(page.getByText('Guardado em metas')).toBeVisible();
    await expect(page.getByTestId('saved-in-goals')).toHaveText('R$ 1.250,00');
    const summary = page.locator('[data-goal-summary][data-goal-name="Viagem para Salvador"]');
    await expect(summary).toContainText('25%');
    await expect(summary.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');

    // Archiving a goal that still holds money offers to withdraw it first.
    await page.getByRole('link', { name: 'Metas', exact: true }).click();
    await card.getByRole('button', { name: 'Ações da meta Viagem para Salvador' }).click();
    await page.getByRole('menuitem', { name: 'Arquivar' }).click();
    const hasBalance = page.getByRole('dialog', { name: 'Resgate o dinheiro antes de arquivar' });
    await expect(hasBalance).toContainText('R$ 1.250,00');
    await hasBalance.getByRole('button', { name: 'Resgatar e arquivar' }).click();
    const withdraw = page.getByRole('dialog', { name: 'Resgatar de Viagem para Salvador' });
    await expect(withdraw.getByLabel('Valor')).toHaveValue('1.250,00');
    await withdraw.getByRole('button', { name: 'Resgatar' }).click();
    await expect(page.getByText('Meta "Viagem para Salvador" arquivada.')).toBeVisible();
    await expect(card).toBeHidden();
    await page.getByLabel('Mostrar arquivadas (1)').check();
    await expect(card).toContainText('Arquivada');

    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expect(accountRow(page, 'Nubank').locator('[data-money]')).toHaveText('R$ 3.000,00');
  });

  test('a budget for Alimentação turns amber past 80 % and red past 100 %; next month copies it', async ({ page }) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Carlos Mendes', 'budgets'));
    await createAccountViaUi(page, { name: 'Itaú', balance: '5.000,00' });
    const month = todayIso().slice(0, 7);

    await page.goto('/orcamentos');
    await expect(page.getByTestId('budget-month')).toHaveText(new RegExp(`^${monthName(month)}$`, 'i'));
    await page.getByRole('button', { name: 'Definir orçamento' }).click();
    const form = page.getByRole('dialog', { name: 'Definir orçamento' });
    await choose(page, form.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
    await form.getByLabel('Limite do mês').fill('1.000,00');
    await expect(form.getByLabel('Avisar ao chegar a')).toHaveValue('50');
    await form.getByRole('button', { name: 'Salvar orçamento' }).click();
    await expect(form).toBeHidden();
    const line = budgetLine(page, 'Alimentação');
    await expect(line).toHaveAttribute('data-status', 'ok');
    await expect(line.getByTestId('budget-status')).toHaveText('Dentro do limite');
    await expect(line.getByTestId('budget-spent')).toHaveText('R$ 0,00');
    await expect(line).toContainText('de R$ 1.000,00');

    // R$ 850,00 on food from the dashboard: 85 % is past the 80 % alert. The dashboard's
    // budget card refreshes with the expense.
    await page.getByRole('link', { name: 'Painel', exact: true }).click();
    await page.getByRole('button', { name: 'Nova despesa' }).click();
    const expense = page.getByRole('dialog', { name: 'Nova despesa' });
    await expense.getByLabel('Valor').fill('850,00');
    await choose(page, expense.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
    await expense.getByRole('button', { name: 'Salvar' }).click();
    await expect(expense).toBeHidden();
    const alert = page.locator('[data-budget-alert][data-category-name="Alimentação"]');
    await expect(alert).toHaveAttribute('data-status', 'warning');
    await expect(alert).toContainText('Atenção');

    await page.getByRole('link', { name: 'Orçamentos', exact: true }).click();
    await expect(line).toHaveAttribute('data-status', 'warning');
    await expect(line.getByTestId('budget-status')).toHaveText('Atenção');
    await expect(line.getByRole('progressbar', { name: 'Alimentação: 85% do orçamento (Atenção)' })).toBeVisible();
    await expect(line).toContainText('Restam R$ 150,00');

    // Another R$ 200,00 from the transactions screen: over the limit, red.
    await page.getByRole('link', { name: 'Lançamentos', exact: true }).click();
    await page.getByRole('button', { name: 'Nova despesa' }).click();
    const restaurant = page.getByRole('dialog', { name: 'Nova despesa' });
    await restaurant.getByLabel('Valor').fill('200,00');
    await restaurant.getByLabel('Descrição').fill('Restaurante');
    await choose(page, restaurant.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
    await restaurant.getByRole('button', { name: 'Salvar' }).click();
    await expect(restaurant).toBeHidden();
    await expect(page.getByText('Despesa de R$ 200,00 registrada.')).toBeVisible();
    await page.getByRole('link', { name: 'Orçamentos', exact: true }).click();
    await expect(line).toHaveAttribute('data-status', 'over');
    await expect(line.getByTestId('budget-status')).toHaveText('Estourado');
    await expect(line).toContainText('Passou R$ 50,00');
    await expect(page.getByTestId('budget-total-spent')).toHaveText('R$ 1.050,00');
    await expect(page.getByTestId('budget-total-remaining')).toHaveText('R$ 50,00');
    await expect(page.getByText('Acima do orçado')).toBeVisible();

    // Next month has nothing yet; copying last month's brings the limit, with nothing spent.
    const following = nextMonth(month);
    await page.getByRole('button', { name: 'Próximo mês' }).click();
    await expect(page).toHaveURL(new RegExp(`\\?mes=${following}$`));
    await expect(page.getByText(`Nenhum orçamento em ${monthName(following)}.`)).toBeVisible();
    await page.getByRole('button', { name: 'Copiar do mês anterior' }).click();
    await expect(page.getByText(`Orçamentos copiados de ${monthName(month)}: 1.`)).toBeVisible();
    await expect(line).toHaveAttribute('data-status', 'ok');
    await expect(line.getByTestId('budget-spent')).toHaveText('R$ 0,00');
    await expect(line).toContainText('de R$ 1.000,00');
    await page.getByRole('button', { name: 'Voltar ao mês atual' }).click();
    await expect(line).toHaveAttribute('data-status', 'over');
  });

  test('a monthly bill (Aluguel, day 5) shows in the upcoming calendar; due items post, failures say why', async ({ page }) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Ana Ribeiro', 'recurring'));
    await createAccountViaUi(page, { name: 'Nubank', balance: '4.000,00' });
    await createAccountViaUi(page, { name: 'Carteira', type: 'Dinheiro' });
    // Starting tomorrow keeps the first rent out of anything "due today".
    const start = addDays(todayIso(), 1);
    const firstRent = nextMonthlyDay(start, 5);

    await page.goto('/');
    await page.getByRole('link', { name: 'Recorrentes', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Recorrentes', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Nova recorrência' }).click();
    const form = page.getByRole('dialog', { name: 'Nova recorrência' });
    await form.getByLabel('Descrição').fill('Aluguel');
    await form.getByLabel('Valor').fill('1.500,00');
    await choose(page, form.getByRole('combobox', { name: 'Categoria' }), 'Moradia');
    await expect(form.getByRole('combobox', { name: 'Frequência' })).toHaveValue('Mensal');
    await choose(page, form.getByRole('combobox', { name: 'Dia do mês' }), '5');
    await expect(form.getByText('Dia 29, 30 ou 31: nos meses mais curtos, cai no último dia do mês.')).toBeVisible();
    // A start more than a year back would owe a year of rent at once: the form refuses it.
    await form.getByLabel('Começa em').fill(display(addDays(todayIso(), -400)));
    await form.getByRole('button', { name: 'Criar recorrência' }).click();
    await expect(form.getByText('Um item recorrente pode começar no máximo um ano atrás.')).toBeVisible();
    await form.getByLabel('Começa em').fill(display(start));
    await form.getByRole('button', { name: 'Criar recorrência' }).click();
    await expect(form).toBeHidden();
    await expect(page.getByText('Recorrência "Aluguel" criada.')).toBeVisible();

    // In the calendar, on the right day, written dd/mm/aaaa.
    const day = page.locator(`[data-upcoming-day][data-date="${firstRent}"]`);
    await expect(day.getByTestId('upcoming-date')).toContainText(display(firstRent));
    const bill = day.locator('[data-upcoming-item]').filter({ hasText: 'Aluguel' });
    await expect(bill).toContainText('-R$ 1.500,00');
    await expect(bill).toContainText('Nubank');
    const rule = page.locator('[data-rule-row][data-rule-name="Aluguel"]');
    await expect(rule).toContainText('Todo mês, no dia 5');
    await expect(rule.getByTestId('rule-next')).toHaveText(`Próxima: ${display(firstRent)}`);

    // Two rules due today: one posts, the other cannot (an empty wallet) and says why.
    const today = todayIso();
    await createRuleViaUi(page, {
      description: 'Academia',
      amount: '99,90',
      account: 'Nubank',
      frequency: { label: 'Mensal', day: String(Number(today.slice(8, 10))) },
      startOn: today,
    });
    await createRuleViaUi(page, {
      description: 'Feira',
      amount: '50,00',
      account: 'Carteira',
      frequency: { label: 'A cada N dias', everyDays: '7' },
      startOn: today,
    });
    await page.getByRole('button', { name: 'Lançar vencidas' }).click();
    await expect(page.getByText('Lançamentos feitos: 1.')).toBeVisible();
    await expect(page.getByText('Não lançadas: 1. O motivo aparece em cada recorrência.')).toBeVisible();
    const failed = page.locator('[data-rule-row][data-rule-name="Feira"]').getByTestId('rule-failures');
    await expect(failed).toContainText(`${display(today)}: Saldo insuficiente nesta conta.`);
    await expect(page.locator('[data-rule-row][data-rule-name="Academia"]')).toContainText('Lançadas: 1');

    await page.getByRole('link', { name: 'Contas', exact: true }).click();
    await expect(accountRow(page, 'Nubank').locator('[data-money]')).toHaveText('R$ 3.900,10');
  });

  test('moving a bill posted today to a later day: next due next month, never twice in one', async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Caio Nunes', 'reschedule'));
    const main = await apiCreateAccount(page, { name: 'Nubank', type: 'checking', initial_balance_cents: 100_000 });
    const today = todayIso();
    const todayDay = Number(today.slice(8, 10));
    await apiPost(page, '/api/recurring', {
      account_id: main.id,
      type: 'expense',
      amount_cents: 9_990,
      description: 'Academia',
      schedule: { kind: 'monthly', day: todayDay },
      start_on: today,
    });
    expect(await apiPost(page, '/api/recurring/run-due', {})).toMatchObject({ posted: 1 });
    // Days up to 28 exist in every month; from the 28th on, the 1st.
    const movedDay = todayDay < 28 ? todayDay + 1 : 1;
    const movedNext = `${nextMonth(today.slice(0, 7))}-${String(movedDay).padStart(2, '0')}`;

    await page.goto('/recorrentes');
    const gym = page.locator('[data-rule-row][data-rule-name="Academia"]');
    await expect(gym).toContainText('Lançadas: 1');
    await gym.getByRole('button', { name: 'Ações da recorrência Academia' }).click();
    await page.getByRole('menuitem', { name: 'Editar' }).click();
    const edit = page.getByRole('dialog', { name: 'Editar recorrência' });
    await expect(
      edit.getByText('Uma nova frequência vale a partir de hoje e não repete o mês (ou o ano) do último lançamento.'),
    ).toBeVisible();
    await choose(page, edit.getByRole('combobox', { name: 'Dia do mês' }), String(movedDay));
    await edit.getByRole('button', { name: 'Salvar' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByText(`Recorrência atualizada. Próximo lançamento: ${display(movedNext)}.`)).toBeVisible();
    await expect(gym.getByTestId('rule-next')).toHaveText(`Próxima: ${display(movedNext)}`);
    await expect(gym).toContainText(`Todo mês, no dia ${movedDay}`);
  });

  test('an occurrence that failed for want of money is posted on its day with "Lançar agora"', async ({ page }) => {
    await page.setViewportSize(PHONE);
    await registerViaApi(page, newPerson('Bia Lopes', 'retry'));
    const main = await apiCreateAccount(page, { name: 'Nubank', type: 'checking', initial_balance_cents: 100_000 });
    const wallet = await apiCreateAccount(page, { name: 'Carteira', type: 'cash' });
    const today = todayIso();
    await apiPost(page, '/api/recurring', {
      account_id: wallet.id,
      type: 'expense',
      amount_cents: 5_000,
      description: 'Feira',
      schedule: { kind: 'every_n_days', days: 7 },
      start_on: today,
    });
    expect(await apiPost(page, '/api/recurring/run-due', {})).toMatchObject({ failed: 1 });

    await page.goto('/recorrentes');
    const fair = page.locator('[data-rule-row][data-rule-name="Feira"]');
    const retry = fair.getByRole('button', { name: `Lançar agora a ocorrência de ${display(today)}` });
    await retry.click();
    await expect(page.getByText('Saldo insuficiente nesta conta.').first()).toBeVisible();
    await expect(fair.getByTestId('rule-failures')).toBeVisible();

    await apiPost(page, '/api/transfers', { from_account_id: main.id, to_account_id: wallet.id, amount_cents: 10_000 });
    await retry.click();
    await expect(page.getByText(`"Feira" de ${display(today)} lançada.`)).toBeVisible();
    await expect(fair.getByTestId('rule-failures')).toBeHidden();
    await expect(fair).toContainText('Lançadas: 1');
    await page.goto('/contas');
    await expect(accountRow(page, 'Carteira').locator('[data-money]')).toHaveText('R$ 50,00');
  });

  test('a calendar too long to list says up to which day it shows', async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await registerViaApi(page, newPerson('Lia Souza', 'long-calendar'));
    const main = await apiCreateAccount(page, { name: 'Nubank', type: 'checking', initial_balance_cents: 100_000 });
    const today = todayIso();
    // 25 daily bills from tomorrow: 2,000 fit in 80 whole days, within the page's 90.
    for (let index = 0; index < 25; index += 1) {
      await apiPost(page, '/api/recurring', {
        account_id: main.id,
        type: 'expense',
        amount_cents: 100,
        description: `Diária ${index}`,
        schedule: { kind: 'every_n_days', days: 1 },
        start_on: addDays(today, 1),
      });
    }
    await page.goto('/recorrentes');
    await expect(page.getByTestId('upcoming-truncated')).toHaveText(
      `Mostrando até ${display(addDays(today, 80))}: há mais lançamentos previstos depois.`,
    );
  });

  test('goals, budgets, recurring bills and the dashboard fit a 360 px screen (screenshots)', async ({ page }, testInfo) => {
    test.setTimeout(LONG_FLOW_TIMEOUT_MS);
    const outputDir = testInfo.project.outputDir;
    await registerViaApi(page, newPerson('Maria Clara Souza', 'planning'));
    const main = await apiCreateAccount(page, {
      name: 'Conta corrente do Banco do Brasil agência centro',
      type: 'checking',
      initial_balance_cents: 123_456_789,
    });
    const savings = await apiCreateAccount(page, { name: 'Poupança', type: 'savings', initial_balance_cents: 5_000_000 });
    const today = todayIso();
    const month = today.slice(0, 7);

    // Goals: one on its way with a long name and big amounts, one achieved, one just created.
    const trip = await apiPost<{ id: string }>(page, '/api/goals', {
      name: 'Reserva de emergência para seis meses de despesas da família',
      target_cents: 98_765_432_10,
      target_date: addDays(today, 400),
      icon: '🛟',
    });
    await apiPost(page, `/api/goals/${trip.id}/contributions`, { from_account_id: main.id, amount_cents: 45_678_900 });
    const car = await apiPost<{ id: string }>(page, '/api/goals', { name: 'Carro', target_cents: 1_000_000, icon: '🚗' });
    await apiPost(page, `/api/goals/${car.id}/contributions`, { from_account_id: savings.id, amount_cents: 1_000_000 });
    await apiPost(page, '/api/goals', { name: 'Notebook', target_cents: 650_000 });

    // Budgets: green, amber and red.
    const categories = { food: await categoryId(page, 'food'), transport: await categoryId(page, 'transport') };
    const leisure = await categoryId(page, 'leisure');
    for (const [id, limit] of [
      [categories.food, 100_000],
      [categories.transport, 50_000],
      [leisure, 1_234_567_89],
    ] as const) {
      const response = await page.request.put(`/api/budgets/${month}/${id}`, { data: { limit_cents: limit }, headers: CSRF });
      expect(response.status(), await response.text()).toBe(201);
    }
    await apiExpense(page, { account_id: main.id, amount_cents: 90_000, description: 'Mercado', category_id: categories.food });
    await apiExpense(page, { account_id: main.id, amount_cents: 61_234, description: 'Uber', category_id: categories.transport });

    // Recurring: rent, a salary and a transfer to savings.
    for (const body of [
      {
        type: 'expense',
        amount_cents: 250_000,
        description: 'Aluguel do apartamento da Rua das Flores',
        schedule: { kind: 'monthly', day: 31 },
      },
      { type: 'income', amount_cents: 1_234_567, description: 'Salário', schedule: { kind: 'monthly', day: 5 } },
      {
        type: 'transfer',
        amount_cents: 50_000,
        description: 'Guardar',
        schedule: { kind: 'weekly', weekday: 1 },
        to_account_id: savings.id,
      },
    ]) {
      await apiPost(page, '/api/recurring', { ...body, account_id: main.id, start_on: addDays(today, 1) });
    }

    // Wide screen first.
    await page.setViewportSize(DESKTOP);
    await page.goto('/metas');
    await expect(page.locator('[data-goal-card]')).toHaveCount(3);
    await screenshot(page, outputDir, 'goals.png');
    await page.goto('/orcamentos');
    await expect(page.locator('[data-budget-line]')).toHaveCount(3);
    await screenshot(page, outputDir, 'budgets.png');
    await page.goto('/recorrentes');
    await expect(page.locator('[data-rule-row]')).toHaveCount(3);
    await screenshot(page, outputDir, 'recurring.png');
    await page.goto('/');
    await expect(page.locator('[data-goal-summary]')).toHaveCount(3);
    await screenshot(page, outputDir, 'dashboard-planning.png');

    await page.setViewportSize(PHONE);
    for (const [address, ready, file] of [
      ['/metas', '[data-goal-card]', 'goals-phone.png'],
      ['/orcamentos', '[data-budget-line]', 'budgets-phone.png'],
      ['/recorrentes', '[data-rule-row]', 'recurring-phone.png'],
      ['/', '[data-goal-summary]', 'dashboard-planning-phone.png'],
    ] as const) {
      await page.goto(address);
      await expect(page.locator(ready).first()).toBeVisible();
      expect(await documentScrollWidth(page), address).toBeLessThanOrEqual(PHONE.width);
      await expectAmountsFullyVisible(page, PLANNING_ROWS);
      await screenshot(page, outputDir, file);
    }
    await page.goto('/orcamentos');
    await expect(budgetLine(page, 'Alimentação')).toHaveAttribute('data-status', 'warning');
    await expect(budgetLine(page, 'Transporte')).toHaveAttribute('data-status', 'over');
    await expect(budgetLine(page, 'Lazer')).toHaveAttribute('data-status', 'ok');

    // In English too: statuses, schedules and amounts.
    await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Budgets', level: 1 })).toBeVisible();
    await expect(budgetLine(page, 'Food').getByTestId('budget-status')).toHaveText('Watch out');
    await expect(budgetLine(page, 'Transport').getByTestId('budget-status')).toHaveText('Over budget');
    await page.goto('/recorrentes');
    await expect(page.locator('[data-rule-row][data-rule-name="Salário"]')).toContainText('Every month on day 5');
    await expect(page.locator('[data-rule-row][data-rule-name="Aluguel do apartamento da Rua das Flores"]')).toContainText(
      '(or the last day, in shorter months)',
    );
    await page.goto('/metas');
    await expect(page.getByRole('heading', { name: 'Goals', level: 1 })).toBeVisible();
    await expect(goalCard(page, 'Carro')).toContainText('Achieved');
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.getByRole('radiogroup', { name: 'Language' }).getByText('PT', { exact: true }).click();

    // The forms take the whole phone screen and fit it too.
    await page.goto('/recorrentes');
    await page.getByRole('button', { name: 'Nova recorrência' }).click();
    await expect(page.getByRole('dialog', { name: 'Nova recorrência' }).getByLabel('Descrição')).toBeFocused();
    expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: path.join(outputDir, 'recurring-form-phone.png'), animations: 'disabled' });
  });
});
