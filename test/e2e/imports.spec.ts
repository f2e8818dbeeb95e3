import type { Locator, Page } from '@playwright/test';
import { saoPauloDay } from './clock.js';
import {
  expect as baseExpect,
  documentScrollWidth,
  newPerson,
  registerViaApi,
  settleAnimations,
  test,
  testNow,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
const TAP_TARGET_MIN_PX = 44;
const FLOW_TIMEOUT_MS = 90_000;
/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });

/** A small OFX 1.x statement of today's movements, as a bank would send it. */
function statement(): Buffer {
  const day = saoPauloDay(testNow()).replaceAll('-', '');
  const movement = (fitid: string, amount: string, memo: string) =>
    `<STMTTRN>\n<TRNTYPE>${amount.startsWith('-') ? 'DEBIT' : 'CREDIT'}\n<DTPOSTED>${day}120000[-3:BRT]\n<TRNAMT>${amount}\n<FITID>${fitid}\n<MEMO>${memo}\n</STMTTRN>`;
  const body = [
    movement('E1', '-32.50', 'UBER TRIP'),
    movement('E2', '-120.00', 'MERCADO EXTRA'),
    movement('E3', '1500.00', 'SALARIO'),
  ];
  return Buffer.from(
    `OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<STMTRS>\n<CURDEF>BRL\n<BANKTRANLIST>\n${body.join('\n')}\n</BANKTRANLIST>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n`,
  );
}

async function uploadStatement(page: Page): Promise<void> {
  await page.goto('/importar');
  await expect(page.getByRole('heading', { name: 'Importar extrato', level: 1 })).toBeVisible();
  // Mantine's FileInput keeps the real file input hidden behind its button.
  await page
    .locator('input[type="file"]')
    .setInputFiles({ name: 'extrato.ofx', mimeType: 'application/x-ofx', buffer: statement() });
  await page.getByRole('button', { name: 'Ler o extrato' }).click();
}

async function expectTapTargets(controls: Locator): Promise<void> {
  // Dialogs scale in: measure what stays, not a frame of the animation.
  await settleAnimations(controls.page());
  for (const control of await controls.all()) {
    const box = await control.boundingBox();
    expect(box?.height ?? 0, await control.evaluate((element) => element.outerHTML.slice(0, 120))).toBeGreaterThanOrEqual(
      TAP_TARGET_MIN_PX,
    );
  }
}

test('a statement is previewed, a category changed, confirmed into the account, found again as duplicates, and undone', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await page.setViewportSize(PHONE);
  await registerViaApi(page, newPerson('Ana Importa', 'imports'));
  const created = await page.request.post('/api/accounts', {
    data: { name: 'Conta Extrato', type: 'checking', initial_balance_cents: 100_000 },
    headers: CSRF,
  });
  expect(created.status()).toBe(201);
  const accountId = (await created.json()).id as string;

  await page.goto('/importar');
  await expect(page.getByRole('button', { name: 'Ler o extrato' })).toBeVisible();
  await expectTapTargets(page.locator('main').getByRole('button').or(page.locator('main').getByRole('textbox')));
  await uploadStatement(page);
  await expect(page.getByTestId('import-totals')).toHaveText('3 novos, 0 já existentes');
  // A rule from a line: its dialog fits a phone too; cancelled here (the guess is tested on the server).
  await page
    .getByRole('button', { name: /Criar regra a partir da linha \d+/ })
    .first()
    .click();
  const ruleDialog = page.getByRole('dialog', { name: 'Nova regra de categoria' });
  await expect(ruleDialog.getByLabel('Texto que a descrição contém')).toHaveValue('uber trip');
  await expectTapTargets(ruleDialog.getByRole('button').or(ruleDialog.getByRole('textbox')));
  await ruleDialog.getByRole('button', { name: 'Cancelar' }).click();
  await expect(ruleDialog).toBeHidden();
  const uber = page.getByRole('combobox', { name: /Categoria da linha \d+: UBER TRIP/ });
  await uber.selectOption({ label: 'Transporte' });
  await expect(uber).toHaveValue(/.+/);
  // At 360 px the preview fits (its table scrolls inside its card) and every control is a thumb's size.
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  await expectTapTargets(page.locator('main').getByRole('button').or(page.locator('main').getByRole('combobox')));

  await page.getByRole('button', { name: 'Importar 3 lançamentos' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Extrato importado' })).toBeVisible();
  await expect(page.getByText('Lançamentos criados: 3. Já existiam: 0.')).toBeVisible();
  await page.getByRole('link', { name: 'Ver a conta' }).click();
  await expect(page).toHaveURL(new RegExp(`/contas/${accountId}$`));
  // R$ 1.000,00 − 32,50 − 120,00 + 1.500,00
  await expect(page.getByTestId('account-balance')).toHaveText('R$ 2.347,50');
  const uberRow = (await (await page.request.get(`/api/transactions?q=UBER&account_id=${accountId}`)).json()).items[0];
  const transport = (await (await page.request.get('/api/categories?kind=expense&limit=100')).json()).items.find(
    (category: { system_key: string | null }) => category.system_key === 'transport',
  );
  expect(uberRow.category_id).toBe(transport.id);

  await uploadStatement(page);
  await expect(page.getByTestId('import-totals')).toHaveText('0 novos, 3 já existentes');
  await expect(page.getByRole('button', { name: 'Nada novo para importar' })).toBeDisabled();
  await expect(page.getByText('Já existe', { exact: true })).toHaveCount(3);
  await page.getByRole('button', { name: 'Descartar' }).click();

  const posted = page.getByTestId('import-history-item').filter({ hasText: 'Importada' });
  await expect(posted).toHaveCount(1);
  await posted.getByRole('button', { name: 'Desfazer a importação de extrato.ofx' }).click();
  const dialog = page.getByRole('dialog', { name: 'Desfazer esta importação?' });
  await expectTapTargets(dialog.getByRole('button'));
  await dialog.getByRole('button', { name: 'Desfazer importação' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Importação desfeita: 3 lançamentos excluídos.')).toBeVisible();
  await expect(page.getByTestId('import-history-item').filter({ hasText: 'Desfeita' })).toHaveCount(1);
  await page.goto(`/contas/${accountId}`);
  await expect(page.getByTestId('account-balance')).toHaveText('R$ 1.000,00');
});
