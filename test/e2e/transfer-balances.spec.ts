import { expect as baseExpect, choose, createAccountViaUi, newPerson, registerViaApi, resizeAndSettle, test } from './support.js';

/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

test('the transfer form shows both balances, in the options and under the selects, and the result after saving', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await resizeAndSettle(page, PHONE);
  await registerViaApi(page, newPerson('Ana Lima', 'transfer-balances'));
  await createAccountViaUi(page, { name: 'Conta corrente', balance: '800,00' });
  await createAccountViaUi(page, { name: 'Poupança', type: 'Poupança', balance: '25,00' });

  await page.goto('/transferir');
  await expect(page.getByText('Saldo em Conta corrente: R$ 800,00')).toBeVisible();
  const to = page.getByRole('combobox', { name: 'Para', exact: true });
  // With one other account it is chosen already; its balance shows under it and in its option.
  await expect(to).toHaveValue('Poupança');
  await expect(page.getByText('Saldo em Poupança: R$ 25,00')).toBeVisible();
  await to.click();
  await expect(page.getByRole('option', { name: 'Poupança', exact: true })).toContainText('R$ 25,00');
  await page.keyboard.press('Escape');
  await page.getByRole('combobox', { name: 'De', exact: true }).click();
  await expect(page.getByRole('option', { name: 'Conta corrente', exact: true })).toContainText('R$ 800,00');
  await page.keyboard.press('Escape');

  await page.getByLabel('Valor').fill('300,00');
  await page.getByRole('button', { name: 'Transferir', exact: true }).click();
  const result = page.getByTestId('transfer-result');
  await expect(result).toContainText('Saldos depois da transferência');
  await expect(result).toContainText('Conta corrente: R$ 800,00 → R$ 500,00');
  await expect(result).toContainText('Poupança: R$ 25,00 → R$ 325,00');
  await expect(page.getByText('Saldo em Conta corrente: R$ 500,00')).toBeVisible();

  // At 1280 px in English the same result reads in English, and the next transfer sees the new balances.
  await resizeAndSettle(page, DESKTOP);
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await expect(result).toContainText('Balances after the transfer');
  await expect(result).toContainText('Conta corrente: R$ 800,00 → R$ 500,00');
  await expect(page.getByText('Balance in Conta corrente: R$ 500,00')).toBeVisible();
  await choose(page, page.getByRole('combobox', { name: 'From', exact: true }), 'Poupança');
  await expect(page.getByText('Balance in Poupança: R$ 325,00')).toBeVisible();
});
