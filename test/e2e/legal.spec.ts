import type { Page } from '@playwright/test';
import {
  documentScrollWidth,
  expect,
  loginViaUi,
  logoutViaUi,
  newPerson,
  PASSWORD,
  registerViaApi,
  settleAnimations,
  test,
  uniqueEmail,
} from './support.js';

const PHONE = { width: 360, height: 740 };
const TAP_TARGET_MIN_PX = 44;

async function expectTallEnough(page: Page, name: string): Promise<void> {
  const box = await page.getByRole('navigation', { name: 'Informações legais' }).getByRole('link', { name }).boundingBox();
  expect(box?.height ?? 0, `height of ${name}`).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
}

test('the footer opens the privacy policy signed out and signed in, on a phone', async ({ page }) => {
  await page.setViewportSize(PHONE);
  await page.goto('/entrar');
  await expectTallEnough(page, 'Privacidade');
  // From the sign-in screen the policy opens in a new tab, so a half-typed form stays.
  const [policyTab] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('navigation', { name: 'Informações legais' }).getByRole('link', { name: 'Privacidade' }).click(),
  ]);
  await expect(policyTab).toHaveURL(/\/privacidade$/);
  await expect(policyTab.getByRole('heading', { name: 'Política de privacidade', level: 1 })).toBeVisible();
  await expect(policyTab.getByText('Versão de 1 de dezembro de 2026')).toBeVisible();
  await expect(policyTab.getByRole('heading', { name: 'Seus direitos e como exercê-los no app' })).toBeVisible();
  await policyTab.close();

  await registerViaApi(page, newPerson('Flávia Rodapé', 'flavia'));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Olá, Flávia!' })).toBeVisible();
  await expectTallEnough(page, 'Termos');
  await page.getByRole('navigation', { name: 'Informações legais' }).getByRole('link', { name: 'Privacidade' }).click();
  await expect(page).toHaveURL(/\/privacidade$/);
  await expect(page.getByRole('heading', { name: 'Política de privacidade', level: 1 })).toBeVisible();
  // No sideways scrolling at 360 px.
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  await page.getByRole('link', { name: 'Termos' }).click();
  await expect(page.getByRole('heading', { name: 'Termos de uso', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Pix: o app não movimenta dinheiro' })).toBeVisible();
  // The same page in English, with the version date in English.
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Terms of use', level: 1 })).toBeVisible();
  await expect(page.getByText('Version of December 1, 2026')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Governing law' })).toBeVisible();
});

test('registering through the form records both acceptances, shown in "Meus dados"', async ({ page }) => {
  await page.setViewportSize(PHONE);
  await page.goto('/cadastro');
  await page.getByLabel('Nome').fill('Gabriel Aceite');
  await page.getByLabel('E-mail').fill(uniqueEmail('gabriel'));
  await page.getByLabel('Senha', { exact: true }).fill(PASSWORD);
  // The notice links both documents; opening one leaves the form as it was typed.
  const notice = page.getByText('Ao criar sua conta, você concorda com os');
  await expect(notice).toBeVisible();
  const [termsTab] = await Promise.all([page.waitForEvent('popup'), notice.getByRole('link', { name: 'Termos de uso' }).click()]);
  await expect(termsTab.getByRole('heading', { name: 'Termos de uso', level: 1 })).toBeVisible();
  await termsTab.close();
  await expect(page.getByLabel('Nome')).toHaveValue('Gabriel Aceite');
  await page.getByRole('button', { name: 'Criar cadastro' }).click();
  await expect(page.getByRole('heading', { name: 'Olá, Gabriel!' })).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await page.getByRole('menuitem', { name: 'Meus dados' }).click();
  const history = page.getByRole('region', { name: 'Termos e privacidade aceitos' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem').filter({ hasText: 'Termos de uso' })).toContainText(
    'versão de 1 de dezembro de 2026',
  );
  await expect(history.getByRole('listitem').filter({ hasText: 'Política de privacidade' })).toContainText('aceita em');
  await expect(history.getByRole('status')).toHaveCount(0);
});

test('a person who never accepted is asked at sign-in, accepts, and is not asked again', async ({ page }) => {
  await page.setViewportSize(PHONE);
  const helena = newPerson('Helena Pendente', 'helena');
  // Registered by an older client that sent no versions: both documents are pending.
  const registered = await page.request.post('/api/auth/register', {
    data: helena,
    headers: { 'X-Requested-With': 'vai-de-pix' },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  await page.context().clearCookies();

  await page.goto('/entrar');
  await loginViaUi(page, helena);
  const dialog = page.getByRole('dialog', { name: 'Atualizamos nossos documentos' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('link', { name: /Termos de uso \(versão de 1 de dezembro de 2026\)/ })).toBeVisible();
  await expect(dialog.getByRole('link', { name: /Política de privacidade/ })).toBeVisible();
  // It cannot be dismissed: Esc leaves it in place.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeVisible();
  await settleAnimations(page);
  for (const name of ['Aceito', 'Sair']) {
    const box = await dialog.getByRole('button', { name }).boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  }
  await dialog.getByRole('button', { name: 'Aceito' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Olá, Helena!' })).toBeVisible();

  // Not after a reload, nor at the next sign-in.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Olá, Helena!' })).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await logoutViaUi(page);
  await loginViaUi(page, helena);
  await expect(page.getByRole('heading', { name: 'Olá, Helena!' })).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await page.getByRole('menuitem', { name: 'Meus dados' }).click();
  await expect(page.getByRole('region', { name: 'Termos e privacidade aceitos' }).getByRole('listitem')).toHaveCount(2);
});

test('"Sair" in the dialog signs out instead of accepting', async ({ page }) => {
  await page.setViewportSize(PHONE);
  const igor = newPerson('Igor Recusa', 'igor');
  const registered = await page.request.post('/api/auth/register', { data: igor, headers: { 'X-Requested-With': 'vai-de-pix' } });
  expect(registered.status(), await registered.text()).toBe(201);
  await page.goto('/');
  const dialog = page.getByRole('dialog', { name: 'Atualizamos nossos documentos' });
  await dialog.getByRole('button', { name: 'Sair' }).click();
  await expect(page).toHaveURL(/\/entrar$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/entrar$/);
  // Still pending: it asks again at the next sign-in.
  await loginViaUi(page, igor);
  await expect(page.getByRole('dialog', { name: 'Atualizamos nossos documentos' })).toBeVisible();
});
