import type { Page } from '@playwright/test';
import {
  accountRow,
  expect as baseExpect,
  choose,
  expectAmountsFullyVisible,
  newPerson,
  registerViaApi,
  resizeAndSettle,
  test,
} from './support.js';

/**
 * Corrections the way an append-only ledger does them (issue 11): "Editar" changes an
 * expense's amount, date and account (a reversal plus a new posting), "Excluir" is a
 * reversal hidden from the lists until "Mostrar excluídos/corrigidos", the audit tells the
 * chain in plain words, and a transfer's reversal reads the other way in the statement.
 */
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
const LONG_FLOW_TIMEOUT_MS = 90_000;
/** Each step waits for a write and its refetches; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const TAP_TARGET_MIN_PX = 44;

async function apiPost<T>(page: Page, url: string, data: object): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as T;
}

/** The day before a "dd/mm/aaaa" date, in the same form (the page's "today" is the run's, never hard-coded). */
function dayBefore(display: string): string {
  const [day, month, year] = display.split('/').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day - 1));
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}`;
}

async function seed(page: Page) {
  type Created = { id: string };
  const nubank = await apiPost<Created>(page, '/api/accounts', {
    name: 'Nubank',
    type: 'checking',
    initial_balance_cents: 100_000,
  });
  const wallet = await apiPost<Created>(page, '/api/accounts', { name: 'Carteira', type: 'cash', initial_balance_cents: 20_000 });
  for (const [description, amount] of [
    ['Padaria', 5_000],
    ['Engano', 3_000],
  ] as const) {
    await apiPost(page, '/api/transactions', { account_id: nubank.id, type: 'expense', amount_cents: amount, description });
  }
  await apiPost(page, '/api/transfers', {
    from_account_id: nubank.id,
    to_account_id: wallet.id,
    amount_cents: 10_000,
    description: 'Reserva',
  });
}

async function confirmDelete(page: Page, dialog: ReturnType<Page['getByRole']>) {
  await dialog.getByRole('button', { name: 'Excluir' }).click();
  const confirm = page.getByRole('dialog', { name: 'Excluir este lançamento?' });
  await confirm.getByRole('button', { name: 'Sim, excluir' }).click();
  await expect(page.getByText('Lançamento excluído.')).toBeVisible();
  await expect(dialog).toBeHidden();
}

test('an expense corrected and one deleted keep their history; a reversed transfer reads the other way', async ({ page }) => {
  test.setTimeout(LONG_FLOW_TIMEOUT_MS);
  await page.setViewportSize(DESKTOP);
  await registerViaApi(page, newPerson('Clara Nunes', 'corrections'));
  await seed(page);
  await page.goto('/lancamentos');
  const rows = page.locator('[data-transaction-row]');

  // Editar: amount, date and account of an expense.
  await page.getByRole('button', { name: 'Padaria' }).click();
  const dialog = page.getByRole('dialog', { name: 'Lançamento', exact: true });
  const date = dialog.getByLabel('Data');
  const earlier = dayBefore(await date.inputValue());
  await dialog.getByLabel('Valor').fill('45,00');
  await date.fill(earlier);
  await choose(page, dialog.getByRole('combobox', { name: 'Conta', exact: true }), 'Carteira');
  await dialog.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Lançamento corrigido.')).toBeVisible();

  // The dialog now shows the correction; its audit tells the chain, technical words folded.
  await expect(dialog.getByText(`${earlier} · Carteira`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Auditoria' }).click();
  const chain = dialog.getByTestId('audit-chain');
  await expect(chain).toContainText('Este lançamento corrige o de');
  await expect(chain).toContainText('R$ 50,00');
  await expect(chain).toContainText(`R$ 45,00 (${earlier}) · Carteira`);
  await expect(dialog.getByText('Chave de idempotência')).toBeHidden();
  await dialog.getByRole('button', { name: 'Detalhes técnicos' }).click();
  await expect(dialog.getByText('Chave de idempotência')).toBeVisible();
  await expect(dialog.getByText('ledger_v2')).toBeVisible();
  // Its link opens the original, which says it was corrected and by what.
  await chain.getByRole('button').click();
  await expect(dialog.getByText('Este lançamento foi corrigido.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Auditoria' }).click();
  await expect(dialog.getByTestId('audit-chain')).toContainText(/Corrigido em .* por este lançamento: R\$ 50,00 .*→ R\$ 45,00/);
  await dialog.getByRole('button', { name: 'Fechar' }).click();
  await expect(rows.filter({ hasText: 'Padaria' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Padaria' })).toContainText('-R$ 45,00');

  // Excluir: gone from the list, back with the filter, marked; the reversal says what it undid.
  await page.getByRole('button', { name: 'Engano' }).click();
  await confirmDelete(page, dialog);
  await expect(rows.filter({ hasText: 'Engano' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Mostrar excluídos/corrigidos' }).click();
  await expect(rows.filter({ hasText: 'Exclusão de Engano' })).toContainText('+R$ 30,00');
  await expect(rows.filter({ hasText: 'Excluído' })).toContainText('Engano');
  await expect(rows.filter({ hasText: 'Corrigido' })).toContainText('Padaria');

  // A transfer deleted from the wallet's statement: the reversal goes the other way, the original is marked.
  await page.goto('/contas');
  await accountRow(page, 'Carteira').getByRole('link').click();
  await page.getByRole('button', { name: 'Reserva' }).click();
  await confirmDelete(page, dialog);
  const lines = page.locator('[data-statement-line]');
  await expect(lines.filter({ hasText: 'Reserva' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Mostrar excluídos/corrigidos' }).click();
  await expect(lines.filter({ hasText: 'Exclusão de Reserva' })).toContainText('-R$ 100,00');
  await expect(lines.filter({ hasText: 'Excluído' })).toContainText('+R$ 100,00');
  await expect(page.getByTestId('account-balance')).toHaveText('R$ 155,00');

  // On a phone, in English: the same statement and the transactions list read right.
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await resizeAndSettle(page, PHONE);
  const toggle = page.getByRole('button', { name: 'Show deleted/corrected' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const box = await toggle.boundingBox();
  expect(box?.height).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  await expect(lines.filter({ hasText: 'Deletion of Reserva' })).toContainText('-R$ 100,00');
  await expect(lines.filter({ hasText: 'Deleted' }).filter({ hasText: 'Reserva' })).toHaveCount(1);
  await expectAmountsFullyVisible(page);
  await page.goto('/lancamentos?estornados=1');
  await expect(rows.filter({ hasText: 'Deletion of Reserva' })).toContainText('Carteira → Nubank');
  await expect(rows.filter({ hasText: 'Corrected' })).toContainText('Padaria');
  await expectAmountsFullyVisible(page);
  await rows
    .filter({ hasText: 'Padaria' })
    .filter({ hasNotText: /Corrected|Deletion/ })
    .click();
  const english = page.getByRole('dialog', { name: 'Transaction' });
  await english.getByRole('button', { name: 'Audit' }).click();
  await expect(page.getByTestId('audit-chain')).toContainText('This transaction corrects the one of');

  // A correction that overspends is asked about from the server's figures (the R$ 45,00
  // comes back first: R$ 200,00 - R$ 900,00), then recorded once with allow_negative.
  await english.getByLabel('Amount').fill('900,00');
  await english.getByRole('button', { name: 'Save' }).click();
  await expect(english.getByRole('alert')).toContainText('This will leave the account R$ 700,00 in the red. Record it anyway?');
  await english.getByRole('button', { name: 'Record it anyway' }).dblclick();
  await expect(page.getByText('Transaction corrected.')).toBeVisible();
  await expect(english.getByText(/ · Carteira$/)).toBeVisible();
  await page.goto('/contas');
  await expect(accountRow(page, 'Carteira')).toContainText('-R$ 700,00');
});
