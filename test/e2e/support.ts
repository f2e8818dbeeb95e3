import { test as base, expect, type Page } from '@playwright/test';

/**
 * Every test also fails on an uncaught page error or a console error (a React warning,
 * a CSP refusal…). Chromium logs each 4xx answer as "Failed to load resource"; those are
 * expected here (401 from /api/me when signed out, wrong passwords) and are ignored.
 */
export const test = base.extend<{ failOnBrowserErrors: undefined }>({
  failOnBrowserErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          errors.push(`console.error: ${message.text()}`);
        }
      });
      await use(undefined);
      expect(errors, 'errors in the browser console').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Long enough for the server's 10-character minimum. */
export const PASSWORD = 'senha-forte-123';

let sequence = 0;

/** A fresh address per call, so tests never collide with each other or with old runs. */
export function uniqueEmail(label: string): string {
  sequence += 1;
  return `${label}.${Date.now()}.${sequence}@example.com`;
}

export interface Person {
  name: string;
  email: string;
  password: string;
}

export function newPerson(name: string, label: string): Person {
  return { name, email: uniqueEmail(label), password: PASSWORD };
}

/**
 * Registers through the API with the page's own request context, so the session cookie
 * lands in the browser; for tests whose subject is not the registration form.
 */
export async function registerViaApi(page: Page, person: Person): Promise<void> {
  const response = await page.request.post('/api/auth/register', {
    data: person,
    headers: { 'X-Requested-With': 'vai-de-pix' },
  });
  expect(response.status(), await response.text()).toBe(201);
}

export async function loginViaUi(page: Page, person: Pick<Person, 'email' | 'password'>): Promise<void> {
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Senha', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Entrar' }).click();
}

export async function logoutViaUi(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Menu da conta' }).click();
  await page.getByRole('menuitem', { name: 'Sair' }).click();
  await expect(page).toHaveURL(/\/entrar$/);
}

/**
 * The page's full scrollable width. Passed as a string because this file is type-checked
 * with the server's Node-only libraries, which have no DOM types.
 */
export async function documentScrollWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}
