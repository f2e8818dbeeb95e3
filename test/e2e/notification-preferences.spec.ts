import type { Page } from '@playwright/test';
import { expect, newPerson, registerViaApi, test } from './support.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const TAP_TARGET_MIN_PX = 44;
const CSRF = { 'X-Requested-With': 'vai-de-pix' };

/** Each switch's row (the label a finger taps, which toggles it) is at least 44 px tall and wide. */
async function expectComfortableSwitches(page: Page): Promise<void> {
  // Three kinds (budget alerts, the weekly summary, recurring items not posted), in the app and by e-mail.
  const switches = page.getByRole('switch');
  await expect(switches).toHaveCount(6);
  for (let index = 0; index < 6; index += 1) {
    const id = await switches.nth(index).getAttribute('id');
    const box = await page.locator(`label[for="${id}"]`).boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(TAP_TARGET_MIN_PX);
  }
}

test('the notification switches on the profile toggle and stay as set after a reload (phone, Portuguese)', async ({ page }) => {
  await registerViaApi(page, newPerson('Nina', 'nina'));
  await page.setViewportSize(PHONE);
  await page.goto('/perfil');
  const section = page.getByRole('region', { name: 'Notificações' });
  await expect(section).toBeVisible();
  await expectComfortableSwitches(page);

  const weeklyByEmail = section.getByRole('switch', { name: 'Resumo semanal (segunda de manhã): Por e-mail' });
  const alertsInApp = section.getByRole('switch', { name: 'Alertas de orçamento: No app' });
  // E-mail is opt-in (addresses are not verified); in the app is on.
  await expect(weeklyByEmail).not.toBeChecked();
  await expect(alertsInApp).toBeChecked();

  await weeklyByEmail.click();
  await expect(weeklyByEmail).toBeChecked();
  await expect(weeklyByEmail).toBeEnabled();
  await alertsInApp.click();
  await expect(alertsInApp).not.toBeChecked();
  await expect(alertsInApp).toBeEnabled();

  await page.reload();
  await expect(weeklyByEmail).toBeChecked();
  await expect(alertsInApp).not.toBeChecked();
  await expect(section.getByRole('switch', { name: 'Resumo semanal (segunda de manhã): No app' })).toBeChecked();
  await expect(section.getByRole('switch', { name: 'Alertas de orçamento: Por e-mail' })).not.toBeChecked();

  // And back off.
  await weeklyByEmail.click();
  await expect(weeklyByEmail).not.toBeChecked();
  await expect(weeklyByEmail).toBeEnabled();
  await page.reload();
  await expect(weeklyByEmail).not.toBeChecked();
});

test('the section in English at desktop width', async ({ page }) => {
  await registerViaApi(page, newPerson('Nora', 'nora'));
  const saved = await page.request.patch('/api/me', { data: { language: 'en' }, headers: CSRF });
  expect(saved.status()).toBe(200);
  await page.setViewportSize(DESKTOP);
  await page.goto('/perfil');
  const section = page.getByRole('region', { name: 'Notifications' });
  const alertsByEmail = section.getByRole('switch', { name: 'Budget alerts: By email' });
  await expect(alertsByEmail).not.toBeChecked();
  await alertsByEmail.click();
  await expect(alertsByEmail).toBeChecked();
  await expect(alertsByEmail).toBeEnabled();
  await page.reload();
  await expect(alertsByEmail).toBeChecked();
  await expect(section.getByRole('switch', { name: 'Weekly summary (Monday morning): By email' })).not.toBeChecked();
});
