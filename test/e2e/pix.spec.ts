import type { Page } from '@playwright/test';
import { decodeQrSvg } from '../helpers/qr.js';
import {
  expect as baseExpect,
  createAccountViaUi,
  documentScrollWidth,
  expectAccountBalance,
  newPerson,
  registerViaApi,
  resizeAndSettle,
  test,
} from './support.js';

/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });

/** A shop's Pix Copia e Cola: R$ 23,50 to "Padaria Pao Quente", São Paulo, txid PAD123 (built with encodeBrCode). */
const BAKERY_CODE =
  '00020126360014br.gov.bcb.pix0114+5511987654321520400005303986540523.505802BR5918Padaria Pao Quente6009Sao Paulo62100506PAD1236304A1FB';

async function apiJson<T>(page: Page, url: string): Promise<T> {
  const response = await page.request.get(url);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

test('Receber via Pix: register the key, create a charge, see the QR and the copy text, mark it received', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await registerViaApi(page, newPerson('Maria Clara Souza', 'pix-receive'));
  await createAccountViaUi(page, { name: 'Nubank' });

  await page.goto('/');
  await page.getByRole('link', { name: 'Receber Pix' }).click();
  await expect(page.getByRole('heading', { name: 'Receber via Pix' })).toBeVisible();

  // First time on this account: register its key (formatted as people type it).
  await page.getByLabel('Chave Pix').fill('529.982.247-24');
  await page.getByRole('button', { name: 'Salvar chave' }).click();
  await expect(page.getByText('Os dígitos verificadores não conferem. Confira o número.')).toBeVisible();
  await page.getByLabel('Chave Pix').fill('529.982.247-25');
  await page.getByLabel('Sua cidade').fill('São Paulo');
  await page.getByRole('button', { name: 'Salvar chave' }).click();
  await expect(page.getByText('529.982.247-25')).toBeVisible();

  await page.getByLabel('Valor').fill('1.234,56');
  await page.getByLabel('Descrição').fill('Bolo de aniversário');
  await page.getByRole('button', { name: 'Gerar QR Code' }).click();

  const qr = page.getByRole('img', { name: 'QR Code do Pix' });
  await expect(qr).toBeVisible();
  await expect(page.getByTestId('pix-charge-amount')).toHaveText(/R\$\s1\.234,56/);
  const copyText = page.getByLabel('Pix Copia e Cola');
  const payload = await copyText.inputValue();
  expect(payload).toMatch(/^000201/);
  expect(payload).toContain('0111529982247250219Bolo de aniversario');
  expect(payload).toContain('54071234.56');
  expect(payload).toContain('5917Maria Clara Souza6009Sao Paulo');

  // The QR on the screen is scannable: it decodes back to the copy-paste text.
  const source = await qr.getAttribute('src');
  expect(source).toMatch(/^data:image\/svg\+xml;base64,/);
  const svg = Buffer.from(String(source).split(',')[1] ?? '', 'base64').toString('utf8');
  expect(decodeQrSvg(svg)).toBe(payload);

  // On a 360 px phone the QR, the code and the buttons fit without sideways scrolling.
  await resizeAndSettle(page, { width: 360, height: 740 });
  await expect(qr).toBeVisible();
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(360);
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole('button', { name: 'Copiar código' }).click();
  await expect(page.getByRole('button', { name: 'Código copiado!' })).toBeVisible();
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(payload);

  await page.getByRole('button', { name: 'Já recebi' }).click();
  await expect(page.getByText(/Recebimento de R\$\s1\.234,56 registrado\./)).toBeVisible();
  await expect(page.getByTestId('pix-charge').getByText('Recebido', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Cobranças recentes' }).getByText('Recebido')).toBeVisible();

  // The money is in the account, as its screen shows.
  await page.getByRole('link', { name: 'Contas', exact: true }).click();
  await expectAccountBalance(page, 'Nubank', 'R$ 1.234,56');
});

test('Registrar Pix pago: a broken code is explained, a paid code becomes an expense with payee and txid', async ({ page }) => {
  await registerViaApi(page, newPerson('João Pedro Lima', 'pix-paid'));
  await createAccountViaUi(page, { name: 'Conta corrente', balance: '1.000,00' });

  await page.goto('/');
  await page.getByRole('link', { name: 'Registrar Pix pago' }).click();
  await expect(page.getByRole('heading', { name: 'Registrar Pix pago' })).toBeVisible();
  const pasteBox = page.getByLabel('Pix Copia e Cola');

  await pasteBox.fill(BAKERY_CODE.replace('Padaria', 'Padarla'));
  await expect(page.getByRole('alert')).toContainText('O código de verificação não confere');
  await pasteBox.fill('isto não é um pix');
  await expect(page.getByRole('alert')).toContainText('Isto não parece um Pix Copia e Cola');

  await pasteBox.fill(BAKERY_CODE);
  const preview = page.getByTestId('pix-preview');
  await expect(preview.getByRole('heading', { name: 'Pix para Padaria Pao Quente' })).toBeVisible();
  await expect(preview).toContainText('Sao Paulo');
  await expect(preview).toContainText('PAD123');
  await expect(page.getByLabel('Valor', { exact: true })).toHaveValue('23,50');
  await expect(page.getByLabel('Descrição')).toHaveValue('Padaria Pao Quente (Sao Paulo)');
  await page.getByRole('combobox', { name: 'Categoria' }).click();
  await page.getByRole('option', { name: 'Alimentação', exact: true }).click();
  await page.getByRole('button', { name: 'Salvar despesa' }).click();

  await expect(page.getByText(/Despesa de R\$\s23,50 registrada\./)).toBeVisible();
  await expect(pasteBox).toHaveValue('');
  // No screen shows the payee and the txid; the API is the only place to read them back.
  const list = await apiJson<{ items: Array<Record<string, unknown>> }>(page, '/api/transactions?skip=0&limit=5');
  expect(list.items[0]).toMatchObject({
    kind: 'expense',
    amount_cents: 2_350,
    description: 'Padaria Pao Quente (Sao Paulo)',
    payee_name: 'Padaria Pao Quente',
    payee_city: 'Sao Paulo',
    pix_txid: 'PAD123',
  });

  // The next time this payee's code is pasted, the category comes from that expense.
  await pasteBox.fill(BAKERY_CODE);
  await expect(page.getByRole('combobox', { name: 'Categoria' })).toHaveValue('Alimentação');
  await expect(page.getByText('Categoria sugerida pelos seus pagamentos anteriores a este recebedor.')).toBeVisible();

  // And the expense is in the ledger's list like any other, and left the account.
  await page.getByRole('link', { name: 'Lançamentos' }).click();
  const row = page.locator('[data-transaction-row]').filter({ hasText: 'Padaria Pao Quente (Sao Paulo)' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('-R$ 23,50');
  await expect(row).toContainText('Alimentação');
  await page.getByRole('link', { name: 'Contas', exact: true }).click();
  await expectAccountBalance(page, 'Conta corrente', 'R$ 976,50');
});
