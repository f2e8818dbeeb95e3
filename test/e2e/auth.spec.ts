import {
  expect,
  installTestClock,
  loginViaUi,
  logoutViaUi,
  newPerson,
  registerViaApi,
  test,
  watchBrowserErrors,
} from './support.js';

// The shared fixture sets every page's clock to the server's (support.ts), so nothing on
// these screens depends on when the test runs, and sessions the server opens are live.

test.describe('sign-up, sign-in and sign-out', () => {
  test('register, land on the dashboard, log out, log back in, log out', async ({ page }) => {
    const maria = newPerson('Maria Aparecida', 'maria');

    await page.goto('/cadastro');
    await expect(page.getByRole('heading', { name: 'Crie seu cadastro' })).toBeVisible();
    await page.getByLabel('Nome').fill(maria.name);
    await page.getByLabel('E-mail').fill(maria.email);
    await page.getByLabel('Senha', { exact: true }).fill(maria.password);
    await page.getByRole('button', { name: 'Criar cadastro' }).click();

    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Olá, Maria!' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Comece pela sua primeira conta' })).toBeVisible();
    await page.getByRole('button', { name: 'Meu cadastro' }).click();
    await expect(page.getByRole('menu')).toContainText(maria.name);
    await expect(page.getByRole('menu')).toContainText(maria.email);
    await page.keyboard.press('Escape');

    await logoutViaUi(page);
    // The session really is gone: the dashboard sends the visitor back to the login page.
    await page.goto('/');
    await expect(page).toHaveURL(/\/entrar$/);

    await loginViaUi(page, maria);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Olá, Maria!' })).toBeVisible();
    await page.getByRole('button', { name: 'Meu cadastro' }).click();
    await expect(page.getByRole('menu')).toContainText(maria.name);
    await page.keyboard.press('Escape');

    await logoutViaUi(page);
    await expect(page.getByRole('heading', { name: 'Bem-vindo de volta' })).toBeVisible();
  });

  test('a wrong password shows the localized error and stays on /entrar', async ({ page }) => {
    const joao = newPerson('João', 'joao');
    await registerViaApi(page, joao);
    await page.context().clearCookies();

    await page.goto('/entrar');
    await loginViaUi(page, { email: joao.email, password: 'senha-errada-999' });

    await expect(page.getByRole('alert')).toContainText('E-mail ou senha incorretos.');
    await expect(page).toHaveURL(/\/entrar$/);
    await expect(page.getByRole('heading', { name: 'Bem-vindo de volta' })).toBeVisible();
  });

  test('registering an e-mail twice says it is taken', async ({ page }) => {
    const ana = newPerson('Ana', 'ana');
    await registerViaApi(page, ana);
    await page.context().clearCookies();

    await page.goto('/cadastro');
    await page.getByLabel('Nome').fill('Outra Ana');
    await page.getByLabel('E-mail').fill(ana.email);
    await page.getByLabel('Senha', { exact: true }).fill(ana.password);
    await page.getByRole('button', { name: 'Criar cadastro' }).click();

    await expect(page.getByRole('alert')).toContainText('Este e-mail já está cadastrado.');
    await expect(page).toHaveURL(/\/cadastro$/);
  });

  test('a common password is refused by the server with a localized reason', async ({ page }) => {
    await page.goto('/cadastro');
    await page.getByLabel('Nome').fill('Dora');
    await page.getByLabel('E-mail').fill(newPerson('Dora', 'dora').email);
    await page.getByLabel('Senha', { exact: true }).fill('Password123');
    await page.getByRole('button', { name: 'Criar cadastro' }).click();

    await expect(page.getByText('Esta senha é muito comum e fácil de adivinhar. Escolha outra.')).toBeVisible();
    await expect(page.getByLabel('Senha', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\/cadastro$/);
  });

  test('ending all sessions, after a confirmation, ends the session in another browser too', async ({ page, browser }) => {
    // Two browsers and a dozen steps: more than the default budget on a busy two-core machine.
    test.slow();
    const elsa = newPerson('Elsa Moura', 'elsa');
    await registerViaApi(page, elsa);
    // A second device: its own browser context, so its own cookie and session.
    const other = await browser.newContext({
      baseURL: test.info().project.use.baseURL,
      locale: 'pt-BR',
      timezoneId: 'America/Sao_Paulo',
    });
    try {
      const otherPage = await other.newPage();
      await installTestClock(otherPage);
      const otherErrors = watchBrowserErrors(otherPage);
      await otherPage.goto('/entrar');
      await loginViaUi(otherPage, elsa);
      await expect(otherPage.getByRole('heading', { name: 'Olá, Elsa!' })).toBeVisible();

      await page.goto('/');
      await page.getByRole('button', { name: 'Meu cadastro' }).click();
      await page.getByRole('menuitem', { name: 'Encerrar todas as sessões' }).click();
      const dialog = page.getByRole('dialog', { name: 'Encerrar todas as sessões?' });
      await expect(dialog).toContainText('inclusive neste');
      // Cancelling changes nothing: both sessions still work.
      await dialog.getByRole('button', { name: 'Cancelar' }).click();
      await expect(dialog).toBeHidden();
      await otherPage.reload();
      await expect(otherPage.getByRole('heading', { name: 'Olá, Elsa!' })).toBeVisible();

      await page.getByRole('button', { name: 'Meu cadastro' }).click();
      await page.getByRole('menuitem', { name: 'Encerrar todas as sessões' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Encerrar todas', exact: true }).click();
      await expect(page).toHaveURL(/\/entrar$/);
      await expect(page.getByText('Todas as suas sessões foram encerradas.')).toBeVisible();

      // The other device's session ended too: reloading sends it to the login page.
      await otherPage.reload();
      await expect(otherPage).toHaveURL(/\/entrar$/);
      await expect(otherPage.getByRole('heading', { name: 'Bem-vindo de volta' })).toBeVisible();
      expect(otherErrors, 'errors in the other browser').toEqual([]);
    } finally {
      await other.close();
    }
  });

  test('a short password is refused before anything is sent', async ({ page }) => {
    let registerCalls = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/auth/register')) registerCalls += 1;
    });

    await page.goto('/cadastro');
    await expect(page.getByText('Use pelo menos 10 caracteres.')).toBeVisible();
    await page.getByLabel('Nome').fill('Bia');
    await page.getByLabel('E-mail').fill('bia@example.com');
    await page.getByLabel('Senha', { exact: true }).fill('curta');
    await page.getByRole('button', { name: 'Criar cadastro' }).click();

    await expect(page.getByText('A senha precisa ter pelo menos 10 caracteres.')).toBeVisible();
    await expect(page.getByLabel('Senha', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    expect(registerCalls).toBe(0);
  });

  test('signed-out visits to / go to /cadastro on a first visit, signed-in visits to /entrar go to /', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/cadastro$/);
    await expect(page.getByRole('heading', { name: 'Crie seu cadastro' })).toBeVisible();

    await registerViaApi(page, newPerson('Carla', 'carla'));
    await page.goto('/entrar');
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: 'Olá, Carla!' })).toBeVisible();
  });

  test('an unknown address shows the not-found page', async ({ page }) => {
    await page.goto('/isto-nao-existe');
    await expect(page.getByRole('heading', { name: 'Página não encontrada' })).toBeVisible();
    await page.getByRole('link', { name: 'Voltar ao início' }).click();
    // Nobody has signed in on this browser yet: the start is sign-up.
    await expect(page).toHaveURL(/\/cadastro$/);
  });
});
