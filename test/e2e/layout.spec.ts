import path from 'node:path';
import { documentScrollWidth, expect, newPerson, registerViaApi, test } from './support.js';

const PHONE = { width: 360, height: 740 };

test('the dashboard on a desktop screen (screenshot)', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await registerViaApi(page, newPerson('Maria Clara Souza', 'desktop'));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Olá, Maria!' })).toBeVisible();
  // On a wide screen the navigation is always shown and there is no burger.
  await expect(page.getByRole('link', { name: 'Painel' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Abrir menu de navegação' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Meu cadastro' })).toContainText('Maria Clara Souza');

  await page.screenshot({
    path: path.join(testInfo.project.outputDir, 'dashboard.png'),
    fullPage: true,
    animations: 'disabled',
  });
});

test('the dashboard at 360 px: no sideways scroll, menus reachable (screenshot)', async ({ page }, testInfo) => {
  await page.setViewportSize(PHONE);
  await registerViaApi(page, newPerson('Maria Clara Souza', 'phone'));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Olá, Maria!' })).toBeVisible();

  const scrollWidth = await documentScrollWidth(page);
  expect(scrollWidth).toBeLessThanOrEqual(PHONE.width);

  await page.screenshot({
    path: path.join(testInfo.project.outputDir, 'dashboard-phone.png'),
    fullPage: true,
    animations: 'disabled',
  });

  // The navigation hides behind the burger and opens from it.
  const navLink = page.getByRole('link', { name: 'Painel' });
  await expect(navLink).not.toBeInViewport();
  await page.getByRole('button', { name: 'Abrir menu de navegação' }).click();
  await expect(navLink).toBeInViewport();
  await navLink.click();
  await expect(navLink).not.toBeInViewport();

  // The account menu opens and logging out works from a phone.
  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  const logout = page.getByRole('menuitem', { name: 'Sair' });
  await expect(logout).toBeInViewport();
  await logout.click();
  await expect(page).toHaveURL(/\/entrar$/);
});

// Signed out, these pages read no date: on the ordinary day only (scripts/test.mjs).
test('the login and registration pages fit a 360 px screen', { tag: '@no-calendar' }, async ({ page }) => {
  await page.setViewportSize(PHONE);
  for (const address of ['/entrar', '/cadastro']) {
    await page.goto(address);
    await expect(page.getByLabel('E-mail')).toBeVisible();
    const scrollWidth = await documentScrollWidth(page);
    expect(scrollWidth, address).toBeLessThanOrEqual(PHONE.width);
  }
});
