import { saoPauloDay } from './clock.js';
import {
  expect as baseExpect,
  createAccountViaUi,
  expectAccountBalance,
  newPerson,
  registerViaApi,
  resizeAndSettle,
  test,
  testNow,
} from './support.js';

/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
/** The "Desfazer" window of web/src/components/UndoToast.tsx, and a little more. */
const UNDO_WINDOW_PASSED_MS = 9_000;
const TAP_TARGET_PX = 44;

interface Listed {
  items: Array<{ kind: string; description: string }>;
}

test('"Já recebi" offers "Desfazer": undone once on a double click, the charge waits again, accents and a formatted key on screen', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await resizeAndSettle(page, PHONE);
  await registerViaApi(page, newPerson('João Araújo', 'pix-undo'));
  await createAccountViaUi(page, { name: 'Nubank', balance: '100,00' });

  await page.goto('/pix/receber');
  await page.getByLabel('Chave Pix').fill('529.982.247-25');
  await page.getByRole('button', { name: 'Salvar chave' }).click();
  await expect(page.getByText('529.982.247-25')).toBeVisible();
  await page.getByLabel('Valor').fill('7,00');
  await page.getByLabel('Descrição').fill('Açaí da Conceição');
  await page.getByRole('button', { name: 'Gerar QR Code' }).click();
  const charge = page.getByTestId('pix-charge');
  await expect(charge.getByText('Açaí da Conceição', { exact: true })).toBeVisible();
  expect(await page.getByLabel('Pix Copia e Cola').inputValue()).toContain('Acai da Conceicao');

  await page.getByRole('button', { name: 'Já recebi' }).click();
  await expect(page.getByText('Recebimento de R$ 7,00 registrado.')).toBeVisible();
  const undo = page.getByRole('button', { name: 'Desfazer' });
  const box = await undo.boundingBox();
  expect(box?.width).toBeGreaterThanOrEqual(TAP_TARGET_PX);
  expect(box?.height).toBeGreaterThanOrEqual(TAP_TARGET_PX);
  await undo.dblclick();
  await expect(page.getByText('Recebimento desfeito; a cobrança voltou a aguardar.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Já recebi' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Cobranças recentes' }).getByText('Aguardando')).toBeVisible();
  // One reversal, though the button was clicked twice.
  const listed = (await (await page.request.get('/api/transactions?limit=100&include_reversed=true')).json()) as Listed;
  expect(listed.items.filter((item) => item.kind === 'reversal')).toHaveLength(1);

  // The undone toast leaves (its exit transition runs on the page clock) before the next one comes.
  await expect(page.getByRole('button', { name: 'Desfazer' })).toHaveCount(0);

  // Received again; this time the offer lapses.
  await page.getByRole('button', { name: 'Já recebi' }).click();
  await expect(page.getByRole('button', { name: 'Desfazer' })).toBeVisible();
  await page.clock.runFor(UNDO_WINDOW_PASSED_MS);
  await expect(page.getByRole('button', { name: 'Desfazer' })).toBeHidden();
  await expect(charge.getByText('Recebido', { exact: true })).toBeVisible();
  await page.goto('/contas');
  await expectAccountBalance(page, 'Nubank', 'R$ 107,00');

  // In English at 1280 px: the description keeps its accents and the key its dots.
  await resizeAndSettle(page, DESKTOP);
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await page.getByRole('link', { name: 'Receive Pix' }).click();
  await expect(page.getByText('529.982.247-25')).toBeVisible();
  const recent = page.getByRole('region', { name: 'Recent charges' });
  await expect(recent.getByText('Açaí da Conceição')).toBeVisible();
  await page.getByLabel('Amount').fill('5,00');
  await page.getByRole('button', { name: 'Create QR code' }).click();
  await page.getByRole('button', { name: 'I received it' }).click();
  await expect(page.getByText('Payment of R$ 5,00 recorded.')).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Receipt undone; the charge is waiting again.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'I received it' })).toBeVisible();
});

test('"Lançar vencidas" offers "Desfazer": the posted entries are reversed and the balance is back', async ({ page }) => {
  test.setTimeout(120_000);
  await resizeAndSettle(page, PHONE);
  await registerViaApi(page, newPerson('Carla Dias', 'recurring-undo'));
  await createAccountViaUi(page, { name: 'Nubank', balance: '1.000,00' });
  const accounts = (await (await page.request.get('/api/accounts')).json()) as { items: Array<{ id: string; name: string }> };
  const nubank = accounts.items.find((account) => account.name === 'Nubank');
  const rule = await page.request.post('/api/recurring', {
    headers: { 'X-Requested-With': 'vai-de-pix' },
    data: {
      account_id: nubank?.id,
      type: 'expense',
      amount_cents: 9_990,
      description: 'Academia',
      schedule: { kind: 'every_n_days', days: 30 },
      start_on: saoPauloDay(testNow()),
    },
  });
  expect(rule.status(), await rule.text()).toBe(201);

  await page.goto('/recorrentes');
  await page.getByRole('button', { name: 'Lançar vencidas' }).click();
  await expect(page.getByText('Lançamentos feitos: 1.')).toBeVisible();
  await page.getByRole('button', { name: 'Desfazer' }).click();
  await expect(page.getByText('Lançamentos de agora há pouco excluídos.')).toBeVisible();
  await page.goto('/contas');
  await expectAccountBalance(page, 'Nubank', 'R$ 1.000,00');
});
