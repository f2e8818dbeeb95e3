import type { Page } from '@playwright/test';
import {
  accountRow,
  expect as baseExpect,
  choose,
  expectAccountBalance,
  newPerson,
  registerViaApi,
  resizeAndSettle,
  settleAnimations,
  test,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** Each flow walks several dialogs and waits for writes and refetches on a busy machine. */
const FLOW_TIMEOUT_MS = 90_000;
const TAP_TARGET_MIN_PX = 44;
const expect = baseExpect.configure({ timeout: 15_000 });
/** R$ 23,50 to "Padaria Pao Quente", São Paulo (the same code as pix.spec.ts, built with encodeBrCode). */
const BAKERY_CODE =
  '00020126360014br.gov.bcb.pix0114+5511987654321520400005303986540523.505802BR5918Padaria Pao Quente6009Sao Paulo62100506PAD1236304A1FB';

interface ApiAccount {
  id: string;
  name: string;
  row_version: number;
}

async function apiAccount(page: Page, name: string): Promise<ApiAccount> {
  const response = await page.request.get('/api/accounts?skip=0&limit=100');
  expect(response.status()).toBe(200);
  const { items } = (await response.json()) as { items: ApiAccount[] };
  const found = items.find((item) => item.name === name);
  if (!found) throw new Error(`no account named ${name}`);
  return found;
}

/** Another device's write, through the page's own session. */
async function apiPost(page: Page, url: string, data: Record<string, unknown>) {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

async function expectTapTarget(page: Page, name: string) {
  // A dialog scales in: measured mid-animation, a 44 px button is a hair shorter.
  await settleAnimations(page);
  const box = await page.getByRole('button', { name, exact: true }).boundingBox();
  expect(box?.height ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  expect(box?.width ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
}

/** Watches the expense POSTs: their bodies and Idempotency-Keys, in order. */
function watchEntryPosts(page: Page, pathname: string) {
  const posts: Array<{ body: Record<string, unknown>; key: string | undefined }> = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== pathname) return;
    posts.push({ body: request.postDataJSON() as Record<string, unknown>, key: request.headers()['idempotency-key'] });
  });
  return posts;
}

test('a card with its limit set at creation, raised later in Configurações, and a stale edit retried', async ({ page }) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await page.setViewportSize(DESKTOP);
  await registerViaApi(page, newPerson('Beatriz Souza', 'card-settings'));
  await page.goto('/contas');

  // The card limit is asked for as soon as the type is a card, not after a refusal.
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const create = page.getByRole('dialog', { name: 'Nova conta' });
  await expect(create.getByLabel('Limite do cheque especial')).toBeVisible();
  await choose(page, create.getByRole('combobox', { name: 'Tipo' }), 'Cartão de crédito');
  await expect(create.getByLabel('Limite do cartão')).toBeVisible();
  await create.getByLabel('Nome da conta').fill('Cartão Roxo');
  await create.getByLabel('Limite do cartão').fill('500,00');
  // What the card already owes is its (negative) current balance.
  await create.getByLabel('Saldo atual').fill('-200,00');
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create).toBeHidden();
  await expectAccountBalance(page, 'Cartão Roxo', '-R$ 200,00');

  // Configurações: the limit is there, and raising it is saved with the row_version read.
  await accountRow(page, 'Cartão Roxo').getByRole('button', { name: 'Ações da conta Cartão Roxo' }).click();
  await page.getByRole('menuitem', { name: 'Configurações' }).click();
  const settings = page.getByRole('dialog', { name: 'Configurações da conta' });
  await expect(settings.getByLabel('Limite do cartão')).toHaveValue('500,00');
  await settings.getByLabel('Limite do cartão').fill('1.500,00');
  await settings.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Configurações salvas.')).toBeVisible();
  await expect(settings).toBeHidden();

  // Another device renames the card while this screen edits it: 409, load the current state, save again.
  await accountRow(page, 'Cartão Roxo').getByRole('button', { name: 'Ações da conta Cartão Roxo' }).click();
  await page.getByRole('menuitem', { name: 'Configurações' }).click();
  await expect(settings.getByLabel('Limite do cartão')).toHaveValue('1.500,00');
  const card = await apiAccount(page, 'Cartão Roxo');
  const renamed = await page.request.patch(`/api/accounts/${card.id}`, {
    data: { name: 'Roxinho', row_version: card.row_version },
    headers: CSRF,
  });
  expect(renamed.status()).toBe(200);
  await settings.getByLabel('Limite do cartão').fill('2.000,00');
  await settings.getByRole('button', { name: 'Salvar' }).click();
  await expect(settings.getByRole('alert')).toContainText('Alterado em outro lugar');
  await settings.getByRole('button', { name: 'Carregar valores atuais' }).click();
  await expect(settings.getByLabel('Nome da conta')).toHaveValue('Roxinho');
  await expect(settings.getByLabel('Limite do cartão')).toHaveValue('1.500,00');
  await settings.getByLabel('Limite do cartão').fill('2.000,00');
  await settings.getByRole('button', { name: 'Salvar' }).click();
  await expect(settings).toBeHidden();
  const saved = (await (await page.request.get(`/api/accounts/${card.id}`)).json()) as Record<string, unknown>;
  expect(saved).toMatchObject({ name: 'Roxinho', overdraft_limit_cents: 200_000, balance_cents: -20_000 });

  // The same dialog at 360 px and in English: the limit field and a full-size save button.
  await resizeAndSettle(page, PHONE);
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await accountRow(page, 'Roxinho').getByRole('button', { name: 'Actions for account Roxinho' }).click();
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  const english = page.getByRole('dialog', { name: 'Account settings' });
  await expect(english.getByLabel('Credit limit')).toHaveValue('2.000,00');
  await expectTapTarget(page, 'Save');
});

test('R$ 900 against R$ 200 asks first and records once; a stale balance asks from the server; a transfer stays refused', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await page.setViewportSize(DESKTOP);
  await registerViaApi(page, newPerson('Carlos Mendes', 'overspend'));
  const wallet = await apiPost(page, '/api/accounts', { name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
  await apiPost(page, '/api/accounts', { name: 'Poupança', type: 'savings' });
  const posts = watchEntryPosts(page, '/api/transactions');

  await page.goto('/lancamentos');
  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const expense = page.getByRole('dialog', { name: 'Nova despesa' });
  await expense.getByLabel('Valor').fill('900,00');
  await choose(page, expense.getByRole('combobox', { name: 'Conta', exact: true }), 'Carteira');
  await expense.getByRole('button', { name: 'Salvar' }).click();
  await expect(expense.getByRole('alert')).toHaveText(/Isso deixará a conta negativa em R\$\s700,00\. Registrar mesmo assim\?/);
  await expect(expense.getByLabel('Valor')).toBeDisabled();
  expect(posts).toHaveLength(0);
  // A double click on the confirmation records once.
  await expense.getByRole('button', { name: 'Registrar mesmo assim' }).dblclick();
  await expect(expense).toBeHidden();
  await expect(page.getByText(/Despesa de R\$\s900,00 registrada\./)).toBeVisible();
  expect(posts).toHaveLength(1);
  expect(posts[0]?.body).toMatchObject({ amount_cents: 90_000, allow_negative: true });
  await page.getByRole('link', { name: 'Contas', exact: true }).click();
  await expectAccountBalance(page, 'Carteira', '-R$ 700,00');

  // A transfer out of the negative wallet keeps the floor: refused, and no question offered.
  await page.getByRole('link', { name: 'Transferir', exact: true }).click();
  await choose(page, page.getByRole('combobox', { name: 'De', exact: true }), 'Carteira');
  await choose(page, page.getByRole('combobox', { name: 'Para', exact: true }), 'Poupança');
  await page.getByLabel('Valor').fill('10,00');
  await page.getByRole('button', { name: 'Transferir', exact: true }).click();
  await expect(page.getByRole('alert', { name: 'Não foi possível concluir' })).toContainText('Saldo insuficiente nesta conta.');
  await expect(page.getByRole('button', { name: 'Registrar mesmo assim' })).toHaveCount(0);

  // "Registrar Pix pago" asks the same way, from the wallet's new balance.
  const pixPosts = watchEntryPosts(page, '/api/pix/payments');
  await page.goto('/pix/pago');
  await page.getByLabel('Pix Copia e Cola').fill(BAKERY_CODE);
  await choose(page, page.getByRole('combobox', { name: 'Conta', exact: true }), 'Carteira');
  await page.getByRole('button', { name: 'Salvar despesa' }).click();
  await expect(page.getByRole('alert', { name: 'Saldo insuficiente' })).toContainText(
    /Isso deixará a conta negativa em R\$\s723,50\. Registrar mesmo assim\?/,
  );
  await page.getByRole('button', { name: 'Registrar mesmo assim' }).click();
  await expect(page.getByText(/Despesa de R\$\s23,50 registrada\./)).toBeVisible();
  expect(pixPosts.map((post) => post.body.allow_negative)).toEqual([true]);

  // At 360 px in English, with a balance the screen read before another tab spent it:
  // the server refuses, and the same question comes from the server's figures.
  await resizeAndSettle(page, PHONE);
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  const nubank = await apiPost(page, '/api/accounts', { name: 'Nubank', type: 'checking', initial_balance_cents: 100_000 });
  await page.goto('/lancamentos');
  await page.getByRole('button', { name: 'New expense' }).click();
  const stale = page.getByRole('dialog', { name: 'New expense' });
  await choose(page, stale.getByRole('combobox', { name: 'Account', exact: true }), 'Nubank');
  await apiPost(page, '/api/transactions', {
    account_id: nubank.id,
    type: 'expense',
    amount_cents: 80_000,
    description: 'Outra aba',
  });
  await stale.getByLabel('Amount').fill('500,00');
  await stale.getByRole('button', { name: 'Save' }).click();
  await expect(stale.getByRole('alert')).toHaveText(/This will leave the account R\$\s300,00 in the red\. Record it anyway\?/);
  await expectTapTarget(page, 'Record it anyway');
  await expectTapTarget(page, 'Go back and fix it');
  await stale.getByRole('button', { name: 'Record it anyway' }).click();
  await expect(stale).toBeHidden();
  const own = posts.slice(1);
  expect(own.map((post) => post.body.allow_negative)).toEqual([undefined, true]);
  // The confirmed request is another payload, under a key of its own.
  expect(own[0]?.key).toBeTruthy();
  expect(own[1]?.key).not.toBe(own[0]?.key);
  const balance = (await (await page.request.get(`/api/accounts/${nubank.id}`)).json()) as { balance_cents: number };
  expect(balance.balance_cents).toBe(-30_000);
  expect(wallet.id).toBeTruthy();
});
