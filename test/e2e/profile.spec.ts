import type { Browser, Page } from '@playwright/test';
import { expect, installTestClock, newPerson, registerViaApi, test, uniqueEmail, watchBrowserErrors } from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const TAP_TARGET_MIN_PX = 44;
const NEW_PASSWORD = 'nova-senha-forte-789';

/** Every button, link, input and select of the profile's sections is at least 44×44 px. */
async function expectComfortableTargets(page: Page): Promise<void> {
  const targets = page.locator('main section').locator('button, a, input:not([type=hidden]), select');
  const count = await targets.count();
  expect(count).toBeGreaterThan(0);
  for (let index = 0; index < count; index += 1) {
    const target = targets.nth(index);
    if (!(await target.isVisible())) continue;
    const box = await target.boundingBox();
    const label = await target.evaluate((element) => `${element.tagName} ${element.id} ${element.textContent ?? ''}`.trim());
    expect(box?.width ?? 0, `width of ${label}`).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
    expect(box?.height ?? 0, `height of ${label}`).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  }
}

/** Another device: its own browser context (cookies, storage), at desktop width, on the run's clock. */
async function otherDevice(browser: Browser) {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    viewport: DESKTOP,
  });
  const page = await context.newPage();
  await installTestClock(page);
  return { context, page, errors: watchBrowserErrors(page) };
}

test('the profile: name, e-mail, language that follows to another device, password that ends the other sessions', async ({
  page,
  browser,
}) => {
  // Two browsers and many steps: more than the default budget on a busy two-core machine.
  test.slow();
  const rita = newPerson('Rita Antes', 'rita');
  await registerViaApi(page, rita);
  await page.setViewportSize(PHONE);
  await page.goto('/');

  // Reached from the user menu, at phone width, in Portuguese.
  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await page.getByRole('menuitem', { name: 'Meu cadastro' }).click();
  await expect(page.getByRole('heading', { name: 'Meu cadastro', level: 1 })).toBeVisible();
  await expectComfortableTargets(page);

  // The name.
  await page.getByLabel('Nome').fill('Rita Depois');
  await page.getByRole('button', { name: 'Salvar nome' }).click();
  await expect(page.getByText('Nome atualizado.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Nome')).toHaveValue('Rita Depois');

  // The e-mail: a wrong password is refused, the right one moves the sign-in.
  const email = page.getByRole('region', { name: 'E-mail de acesso' });
  const newEmail = uniqueEmail('rita.nova');
  await email.getByLabel('Novo e-mail').fill(newEmail);
  await email.getByLabel('Sua senha atual').fill('nao-e-a-senha-1');
  await email.getByRole('button', { name: 'Alterar e-mail' }).click();
  await expect(email.getByRole('alert')).toContainText('Senha incorreta.');
  await email.getByLabel('Sua senha atual').fill(rita.password);
  await email.getByRole('button', { name: 'Alterar e-mail' }).click();
  await expect(email.getByText(`E-mail atual: ${newEmail}`)).toBeVisible();

  // The language, saved on the profile: the screen turns to English at once.
  await page.getByLabel('Idioma do app').selectOption({ label: 'English' });
  await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  // Another device, whose browser is in Portuguese, signs in and is shown English.
  const laptop = await otherDevice(browser);
  try {
    await laptop.page.goto('/entrar');
    await expect(laptop.page.locator('html')).toHaveAttribute('lang', 'pt-BR');
    await laptop.page.getByLabel('E-mail').fill(newEmail);
    await laptop.page.getByLabel('Senha', { exact: true }).fill(rita.password);
    await laptop.page.getByRole('button', { name: 'Entrar' }).click();
    await expect(laptop.page.getByRole('heading', { name: 'Hello, Rita!' })).toBeVisible();
    await expect(laptop.page.locator('html')).toHaveAttribute('lang', 'en');

    // There, at desktop width in English, the password changes; the phone's session ends.
    await laptop.page.getByRole('button', { name: 'My profile' }).click();
    await laptop.page.getByRole('menuitem', { name: 'Profile' }).click();
    const password = laptop.page.getByRole('region', { name: 'Password' });
    await password.getByLabel('Current password').fill(rita.password);
    await password.getByLabel('New password').fill(NEW_PASSWORD);
    await password.getByRole('button', { name: 'Change password' }).click();
    await expect(password.getByRole('status')).toContainText('Your other open sessions were ended (1)');
    await expectComfortableTargets(laptop.page);

    // The laptop stays signed in; the phone is sent to sign in, where the new password works.
    await laptop.page.reload();
    await expect(laptop.page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
    await page.reload();
    await expect(page).toHaveURL(/\/entrar$/);
    await page.getByLabel('Email').fill(newEmail);
    await page.getByLabel('Password', { exact: true }).fill(rita.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toContainText('Incorrect email or password.');
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Signing in returns to the screen the session ended on.
    await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();

    // The header's PT/EN switch saves the choice too: the phone, reloaded, follows it.
    await laptop.page.getByRole('radiogroup', { name: 'Language' }).getByText('PT', { exact: true }).click();
    await expect(laptop.page.getByRole('heading', { name: 'Meu cadastro', level: 1 })).toBeVisible();
    await expect(laptop.page.getByLabel('Idioma do app')).toHaveValue('pt-BR');
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Meu cadastro', level: 1 })).toBeVisible();

    // "Sair de todas as sessões" from the profile, after a confirmation, ends both.
    await laptop.page.getByRole('button', { name: 'Sair de todas as sessões' }).click();
    await laptop.page.getByRole('dialog').getByRole('button', { name: 'Encerrar todas', exact: true }).click();
    await expect(laptop.page).toHaveURL(/\/entrar$/);
    await page.reload();
    await expect(page).toHaveURL(/\/entrar$/);
    expect(laptop.errors, 'errors in the other browser').toEqual([]);
  } finally {
    await laptop.context.close();
  }
});
