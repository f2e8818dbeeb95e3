import { readFile } from 'node:fs/promises';
import { unzip } from '../helpers/zip.js';
import { choose, createAccountViaUi, expect, loginViaUi, newPerson, registerViaApi, resizeAndSettle, test } from './support.js';

const PHONE = { width: 360, height: 740 };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The files of a ZIP, by name, each checked to start with a BOM and read as UTF-8 after it. */
async function unzipTexts(buffer: Buffer): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const [name, content] of await unzip(buffer)) {
    expect(content.subarray(0, 3), `${name} starts with a BOM`).toEqual(BOM);
    texts.set(name, content.subarray(3).toString('utf8'));
  }
  return texts;
}

test('Meus dados at 360 px: the ZIP export holds CSVs with a BOM and the ledger in the importable layout', async ({ page }) => {
  const lia = newPerson('Lia Export', 'lia');
  await registerViaApi(page, lia);
  await page.goto('/');
  await createAccountViaUi(page, { name: 'Carteira da Lia', type: 'Dinheiro', balance: '100,00' });
  await page.goto('/');
  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const expense = page.getByRole('dialog', { name: 'Nova despesa' });
  await expense.getByLabel('Valor').fill('12,34');
  await expense.getByLabel('Descrição').fill('=SOMA(A1:A9), café');
  await choose(page, expense.getByRole('combobox', { name: 'Categoria' }), 'Alimentação');
  await choose(page, expense.getByRole('combobox', { name: 'Conta', exact: true }), 'Carteira da Lia');
  await expense.getByRole('button', { name: 'Salvar' }).click();
  await expect(expense).toBeHidden();

  await resizeAndSettle(page, PHONE);
  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await page.getByRole('menuitem', { name: 'Meus dados' }).click();
  await expect(page.getByRole('heading', { name: 'Meus dados', level: 1 })).toBeVisible();

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Baixar planilhas (ZIP de CSV)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^vai-de-pix-dados-\d{4}-\d{2}-\d{2}\.zip$/);
  const files = await unzipTexts(await readFile(await download.path()));

  expect(files.get('profile.csv')).toContain('Lia Export');
  const ledger = (files.get('ledger_entries.csv') ?? '').split('\r\n');
  expect(ledger[0]).toBe(
    'entry_id,transaction_id,account_id,account_name,occurred_on,kind,description,category_name,amount_cents,balance_after_cents,created_at',
  );
  expect(ledger[1]).toContain(',Carteira da Lia,');
  expect(ledger[1]).toContain(',opening,');
  expect(ledger[1]).toContain(',10000,10000,');
  expect(ledger[2]).toContain(`,expense,"'=SOMA(A1:A9), café",Alimentação,-1234,8766,`);
});

test('deleting the account at 360 px: password asked again, signed out, and never able to sign in again', async ({ page }) => {
  const caio = newPerson('Caio Apagar', 'caio');
  await registerViaApi(page, caio);
  await resizeAndSettle(page, PHONE);
  await page.goto('/perfil');
  await page.getByRole('link', { name: 'Abrir Meus dados' }).click();
  await expect(page.getByRole('heading', { name: 'Meus dados', level: 1 })).toBeVisible();

  await page.getByRole('button', { name: 'Excluir minha conta…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Excluir sua conta?' });
  await expect(dialog).toContainText('registro de acessos');
  await dialog.getByLabel('Sua senha atual').fill('nao-e-a-senha-1');
  await dialog.getByRole('button', { name: 'Excluir definitivamente' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Senha incorreta.');

  await dialog.getByLabel('Sua senha atual').fill(caio.password);
  await dialog.getByRole('button', { name: 'Excluir definitivamente' }).click();
  await expect(page).toHaveURL(/\/entrar$/);
  await expect(page.getByText('Conta excluída')).toBeVisible();

  await loginViaUi(page, caio);
  await expect(page.getByText('E-mail ou senha incorretos.')).toBeVisible();
  await expect(page).toHaveURL(/\/entrar$/);
});
