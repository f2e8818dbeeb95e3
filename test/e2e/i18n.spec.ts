import { expect, newPerson, test } from './support.js';

test('the language switch turns the login page and the dashboard to English, and sticks', async ({ page }) => {
  const lucas = newPerson('Lucas Pereira', 'lucas');

  await page.goto('/entrar');
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
  await expect(page.getByRole('heading', { name: 'Bem-vindo de volta' })).toBeVisible();

  // The radio inputs are visually hidden behind their labels, so click the label as a person would.
  const languages = page.getByRole('radiogroup', { name: 'Idioma' });
  await languages.getByText('EN', { exact: true }).click();
  await expect(page.getByRole('radio', { name: /English/ })).toBeChecked();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible();
  await expect(page.getByLabel('Email')).toBeVisible();
  await expect(page).toHaveTitle('Log in · Vai de Pix');

  // The choice survives a reload.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  // Errors come out in English too.
  await page.getByLabel('Email').fill(lucas.email);
  await page.getByLabel('Password', { exact: true }).fill(lucas.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('Incorrect email or password.');

  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('Name').fill(lucas.name);
  await page.getByLabel('Email').fill(lucas.email);
  await page.getByLabel('Password', { exact: true }).fill(lucas.password);
  await page.getByRole('button', { name: 'Sign up' }).click();

  await expect(page.getByRole('heading', { name: 'Hello, Lucas!' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Start with your first account' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Dashboard' })).toBeAttached();

  // And back to Portuguese from the app header.
  await page.getByRole('radiogroup', { name: 'Language' }).getByText('PT', { exact: true }).click();
  await expect(page.getByRole('radio', { name: /Português/ })).toBeChecked();
  await expect(page.getByRole('heading', { name: 'Olá, Lucas!' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
});
