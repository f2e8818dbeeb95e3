import type { Page } from '@playwright/test';
import { expect, logoutViaUi, newPerson, registerViaApi, resizeAndSettle, test } from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** The goal: from the first screen to the first expense on screen in at most this many actions. */
const NEWCOMER_ACTIONS_MAX = 10;

/** Counts what a person does: every click or tap and every field filled is one action. */
function actionCounter() {
  let count = 0;
  return {
    act: async (action: Promise<void>) => {
      count += 1;
      await action;
    },
    count: () => count,
  };
}

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as T;
}

test.describe('a first visit', () => {
  test('lands on sign-up, and the first-run path reaches the first expense in at most 10 actions (pt-BR, 360 px)', async ({
    page,
  }) => {
    test.slow();
    await resizeAndSettle(page, PHONE);
    const person = newPerson('Rafael Lima', 'newcomer');
    const { act, count } = actionCounter();

    // Nobody has signed in on this browser: the first screen is sign-up, not "Bem-vindo de volta".
    await page.goto('/');
    await expect(page).toHaveURL(/\/cadastro$/);
    await expect(page.getByRole('heading', { name: 'Crie seu cadastro' })).toBeVisible();
    await expect(page.getByText('Já tem cadastro?')).toBeVisible();
    await act(page.getByLabel('Nome').fill(person.name));
    await act(page.getByLabel('E-mail').fill(person.email));
    await act(page.getByLabel('Senha', { exact: true }).fill(person.password));
    await act(page.getByRole('button', { name: 'Criar cadastro' }).click());

    // Step 1: the first account, its name a placeholder and not a pre-filled value.
    await expect(page.getByText('Passo 1 de 2')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Comece pela sua primeira conta' })).toBeVisible();
    const accountName = page.getByLabel('Nome da conta');
    await expect(accountName).toHaveValue('');
    await expect(accountName).toHaveAttribute('placeholder', 'Ex.: Nubank');
    await act(accountName.fill('Nubank'));
    await act(page.getByLabel('Saldo atual').fill('1.500,00'));
    await act(page.getByRole('button', { name: 'Criar conta' }).click());

    // Step 2: the expense form for that account, right there.
    const step = page.getByRole('region', { name: 'Registre sua primeira despesa' });
    await expect(step.getByText('Passo 2 de 2')).toBeVisible();
    await expect(step).toContainText('Nubank');
    const later = await step.getByRole('button', { name: 'Agora não' }).boundingBox();
    expect(later?.height).toBeGreaterThanOrEqual(44);
    await act(step.getByLabel('Valor').fill('45,90'));
    await act(step.getByLabel('Descrição').fill('Padaria'));
    await act(step.getByRole('button', { name: 'Salvar' }).click());

    await expect(step).toBeHidden();
    const expense = page.locator('[data-transaction-row]').filter({ hasText: 'Padaria' });
    await expect(expense).toContainText('-R$ 45,90');
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 1.454,10');
    expect(count()).toBeLessThanOrEqual(NEWCOMER_ACTIONS_MAX);

    // The words of the first screens: "cadastro" for the login, "conta" for the bank account.
    await expect(page.getByRole('button', { name: 'Meu cadastro' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Próximos recorrentes' })).toBeVisible();
    const accounts = page.getByRole('region', { name: 'Suas contas' });
    await expect(accounts.getByRole('link', { name: 'Ver todas' })).toBeVisible();
    await expect(
      page.getByRole('region', { name: 'Últimos lançamentos' }).getByRole('link', { name: 'Ver todos' }),
    ).toBeVisible();

    // Once the person has an account, the path never shows again.
    await page.reload();
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 1.454,10');
    await expect(page.getByText('Passo 1 de 2')).toHaveCount(0);
    await expect(page.getByText('Passo 2 de 2')).toHaveCount(0);

    // Someone who has signed in on this browser comes back to the login page.
    await logoutViaUi(page);
    await page.goto('/');
    await expect(page).toHaveURL(/\/entrar$/);
    await expect(page.getByRole('heading', { name: 'Bem-vindo de volta' })).toBeVisible();
    await expect(page.getByText('Ainda não tem cadastro?')).toBeVisible();
  });

  test('the same path in English at 1280 px, then a new goal is "just started" and its money shows as saved in goals', async ({
    page,
  }) => {
    test.slow();
    await resizeAndSettle(page, DESKTOP);
    const person = newPerson('Laura Kim', 'newcomer-en');

    await page.goto('/');
    await expect(page).toHaveURL(/\/cadastro$/);
    // Choosing the language comes before the path and is not one of its actions.
    await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Sign up' })).toBeVisible();
    await expect(page.getByText('Already signed up?')).toBeVisible();

    const { act, count } = actionCounter();
    await act(page.getByLabel('Name').fill(person.name));
    await act(page.getByLabel('Email').fill(person.email));
    await act(page.getByLabel('Password', { exact: true }).fill(person.password));
    await act(page.getByRole('button', { name: 'Sign up' }).click());

    await expect(page.getByText('Step 1 of 2')).toBeVisible();
    await expect(page.getByLabel('Account name')).toHaveValue('');
    await act(page.getByLabel('Account name').fill('Checking'));
    await act(page.getByLabel('Current balance').fill('1.500,00'));
    await act(page.getByRole('button', { name: 'Create account' }).click());

    const step = page.getByRole('region', { name: 'Record your first expense' });
    await act(step.getByLabel('Amount').fill('45,90'));
    await act(step.getByLabel('Description').fill('Bakery'));
    await act(step.getByRole('button', { name: 'Save' }).click());
    await expect(step).toBeHidden();
    await expect(page.locator('[data-transaction-row]').filter({ hasText: 'Bakery' })).toContainText('R$ 45,90');
    expect(count()).toBeLessThanOrEqual(NEWCOMER_ACTIONS_MAX);
    await expect(page.getByRole('button', { name: 'My profile' })).toBeVisible();

    // A goal created today with a 13-month deadline and a first deposit: not late, no far-off promise.
    const accounts = await (await page.request.get('/api/accounts')).json();
    const goal = await apiPost<{ id: string }>(page, '/api/goals', { name: 'Car', target_cents: 1_300_000 });
    await apiPost(page, `/api/goals/${goal.id}/contributions`, { from_account_id: accounts.items[0].id, amount_cents: 100_000 });
    // Set up behind the app's back, as another device would: a reload shows it.
    await page.reload();
    await page.getByRole('link', { name: 'Goals', exact: true }).click();
    const card = page.locator('[data-goal-card][data-goal-name="Car"]');
    await expect(card.getByText('Just started', { exact: true })).toBeVisible();
    await expect(card.getByTestId('goal-outlook')).toContainText('New goal. After its first month');
    await expect(card.getByText('Behind pace', { exact: true })).toHaveCount(0);

    // The R$ 1.000 left "Total balance" and shows beside it, at both widths.
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 454,10');
    await expect(page.getByText('Saved in goals')).toBeVisible();
    await expect(page.getByTestId('saved-in-goals')).toHaveText('R$ 1.000,00');
    await resizeAndSettle(page, PHONE);
    await expect(page.getByTestId('saved-in-goals')).toBeInViewport();
  });

  // Reads no date: on the ordinary day only (scripts/test.mjs leaves @no-calendar out at hostile dates).
  test('the path can be skipped, and stays skipped', { tag: '@no-calendar' }, async ({ page }) => {
    await resizeAndSettle(page, PHONE);
    await registerViaApi(page, newPerson('Otávio Reis', 'skip'));
    await page.goto('/');
    // The path's own buttons are comfortable tap targets on a phone.
    for (const name of ['Criar conta', 'Pular por agora']) {
      const box = await page.getByRole('button', { name }).boundingBox();
      expect(box?.height, name).toBeGreaterThanOrEqual(44);
      expect(box?.width, name).toBeGreaterThanOrEqual(44);
    }
    await page.getByRole('button', { name: 'Pular por agora' }).click();
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 0,00');
    await page.reload();
    await expect(page.getByTestId('total-balance')).toHaveText('R$ 0,00');
    await expect(page.getByText('Passo 1 de 2')).toHaveCount(0);
  });
});
