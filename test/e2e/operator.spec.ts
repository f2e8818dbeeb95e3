import type { Page } from '@playwright/test';
import { PRIVACY_POLICY_VERSION, TERMS_VERSION } from '../../src/modules/privacy/consents.js';
import { E2E_OPERATOR_EMAIL } from './operator-email.js';
import { expect, newPerson, PASSWORD, registerViaApi, test } from './support.js';

const PHONE = { width: 360, height: 740 };
const TAP_TARGET_MIN_PX = 44;

/**
 * Signs the operator in on this page: registered on the first test that needs them, signed
 * in on any later one (a retry), since their address is fixed for the whole run.
 */
async function signInOperator(page: Page): Promise<void> {
  const person = { name: 'Olga Operadora', email: E2E_OPERATOR_EMAIL, password: PASSWORD };
  // The current terms and privacy policy accepted, as the form does, so no dialog stands in the way.
  const accepted = { accepted_terms_version: TERMS_VERSION, accepted_privacy_version: PRIVACY_POLICY_VERSION };
  const headers = { 'X-Requested-With': 'vai-de-pix' };
  const registered = await page.request.post('/api/auth/register', { data: { ...person, ...accepted }, headers });
  if (registered.status() === 201) return;
  const login = await page.request.post('/api/auth/login', { data: { email: person.email, password: person.password }, headers });
  expect(login.status(), await login.text()).toBe(200);
}

test('the operator finds "Operação" in the user menu: every job with its schedule and next run, and the findings', async ({
  page,
}) => {
  await signInOperator(page);
  await page.setViewportSize(PHONE);
  await page.goto('/');

  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  const entry = page.getByRole('menuitem', { name: 'Operação' });
  await expect(entry).toBeVisible();
  const box = await entry.boundingBox();
  expect(box?.height ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  await entry.click();

  await expect(page).toHaveURL(/\/operacao$/);
  await expect(page.getByRole('heading', { name: 'Operação', level: 1 })).toBeVisible();
  const jobs = page.getByRole('region', { name: 'Tarefas' });
  for (const name of ['balance_snapshots', 'reconcile', 'purge_sessions']) {
    const card = jobs.getByRole('article', { name });
    await expect(card).toBeVisible();
    await expect(card.getByText(/^Próxima execução: \d{2}\/\d{2}\/\d{4}/)).toBeVisible();
  }
  await expect(page.getByRole('region', { name: /Divergências abertas: \d+/ })).toBeVisible();
  const refresh = page.getByRole('button', { name: 'Atualizar' });
  expect((await refresh.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  // Nothing is wider than the phone.
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

  // The same page in English at desktop width.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Operations', level: 1 })).toBeVisible();
  const english = page.getByRole('region', { name: 'Jobs' });
  await expect(english.getByRole('article', { name: 'reconcile' }).getByText(/^Next run: \d{1,2}\/\d{1,2}\/\d{2}/)).toBeVisible();
  await expect(page.getByRole('region', { name: /Open findings: \d+/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Refresh' })).toBeVisible();
});

test('anyone else sees no "Operação" entry, and the address shows that the page is only for operators', async ({ page }) => {
  // The operator exists before this person, so this person is never the first registered.
  const operatorContext = await page.context().browser()?.newContext({ baseURL: test.info().project.use.baseURL });
  if (operatorContext) {
    await signInOperator(await operatorContext.newPage());
    await operatorContext.close();
  }
  await registerViaApi(page, newPerson('Nina Qualquer', 'nina'));
  await page.setViewportSize(PHONE);
  await page.goto('/');

  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await expect(page.getByRole('menuitem', { name: 'Meu cadastro' })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: 'Operação' })).toHaveCount(0);
  await page.keyboard.press('Escape');

  await page.goto('/operacao');
  await expect(page.getByText('Só para quem opera esta instalação', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Tarefas' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Voltar ao início' }).click();
  await expect(page).toHaveURL(/\/$/);
});
