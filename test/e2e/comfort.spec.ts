import type { Locator, Page } from '@playwright/test';
import { expect as baseExpect, newPerson, registerViaApi, resizeAndSettle, test, testNow } from './support.js';

/**
 * Comfortable on a phone and a keyboard: the skip link, the shortcuts, the category
 * picker (type to filter, recent first), the calendar beside the date field, toasts that
 * leave the header alone, and dark mode with readable amounts.
 */
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** WCAG 2.1 AA for normal-size text. */
const CONTRAST_AA_MIN = 4.5;
const FLOW_TIMEOUT_MS = 90_000;
const expect = baseExpect.configure({ timeout: 15_000 });

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** A person with one account (its opening is a row), an income and a health expense (so "Saúde" is a recent category). */
async function seedPerson(page: Page, label: string): Promise<void> {
  await registerViaApi(page, newPerson('Rita Moraes', label));
  const account = await apiPost<{ id: string }>(page, '/api/accounts', {
    name: 'Itaú',
    type: 'checking',
    initial_balance_cents: 500_000,
  });
  const categories = await page.request.get('/api/categories?skip=0&limit=100&include_archived=false');
  const { items } = (await categories.json()) as { items: { id: string; system_key: string | null }[] };
  const health = items.find((item) => item.system_key === 'health');
  if (!health) throw new Error('no default category health');
  await apiPost(page, '/api/transactions', {
    account_id: account.id,
    type: 'expense',
    amount_cents: 8_990,
    description: 'Farmácia São João',
    category_id: health.id,
  });
  await apiPost(page, '/api/transactions', {
    account_id: account.id,
    type: 'income',
    amount_cents: 250_000,
    description: 'Salário',
  });
}

/** The day the page's clock is on, in São Paulo, as the calendar labels it ("1 novembro 2026"). */
function firstOfThisMonth(language: 'pt-BR' | 'en'): { monthYear: string; dayLabel: string; typed: string } {
  const now = testNow();
  const part = (options: Intl.DateTimeFormatOptions, locale: string) =>
    new Intl.DateTimeFormat(locale, { timeZone: 'America/Sao_Paulo', ...options }).format(now);
  const month = part({ month: 'long' }, language === 'en' ? 'en-US' : 'pt-BR');
  const year = part({ year: 'numeric' }, 'en-US');
  const monthNumber = part({ month: '2-digit' }, 'en-US');
  return { monthYear: `${month} ${year}`, dayLabel: `1 ${month} ${year}`, typed: `01/${monthNumber}/${year}` };
}

/** Nothing of the element sticks out of the viewport nor of the box that holds it. */
async function expectInside(inner: Locator, outer: Locator): Promise<void> {
  const [innerBox, outerBox] = [await inner.boundingBox(), await outer.boundingBox()];
  if (!innerBox || !outerBox) throw new Error('not rendered');
  const viewport = inner.page().viewportSize();
  expect(innerBox.x).toBeGreaterThanOrEqual(Math.max(outerBox.x, 0) - 0.5);
  expect(innerBox.x + innerBox.width).toBeLessThanOrEqual(Math.min(outerBox.x + outerBox.width, viewport?.width ?? 0) + 0.5);
  expect(innerBox.y + innerBox.height).toBeLessThanOrEqual((viewport?.height ?? 0) + 0.5);
}

/** The toast's box does not meet the header's language switch, theme switch or account menu. */
async function expectToastClearOfHeader(page: Page, toastText: string): Promise<void> {
  const toast = page.locator('.mantine-Notification-root', { hasText: toastText });
  await expect(toast).toBeVisible();
  const toastBox = await toast.boundingBox();
  for (const control of [
    page.getByRole('radiogroup', { name: /Idioma|Language/ }),
    page.getByRole('button', { name: /^(Tema|Theme):/ }),
    page.getByRole('button', { name: /^(Meu cadastro|My profile)$/ }),
  ]) {
    const box = await control.boundingBox();
    if (!toastBox || !box) throw new Error('toast or header control not rendered');
    const apart =
      toastBox.x >= box.x + box.width ||
      box.x >= toastBox.x + toastBox.width ||
      toastBox.y >= box.y + box.height ||
      box.y >= toastBox.y + toastBox.height;
    expect(apart, `toast ${JSON.stringify(toastBox)} covers a header control ${JSON.stringify(box)}`).toBe(true);
  }
}

test('on a phone, by keyboard: skip link, "d" for a new expense, category typed, date from the calendar; toast clear of the header', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await resizeAndSettle(page, PHONE);
  await seedPerson(page, 'comfort-phone');
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /Olá, Rita/ })).toBeVisible();

  // The skip link is the first thing Tab reaches, and it moves focus into the main area.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Pular para o conteúdo' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();

  // The tiles name their shortcuts; "d" opens a new expense; typed inside a field it is just a letter.
  await expect(page.getByRole('button', { name: 'Nova despesa' })).toHaveAttribute('aria-keyshortcuts', 'D');
  await page.keyboard.press('d');
  const dialog = page.getByRole('dialog', { name: 'Nova despesa' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Descrição').fill('dd');
  await expect(page.getByRole('dialog')).toHaveCount(1);
  await dialog.getByLabel('Valor').fill('32,50');

  // The category list: recent first, inside the dialog; the placeholder is not cut.
  const category = dialog.getByRole('combobox', { name: 'Categoria' });
  expect(await category.evaluate((input: any) => input.scrollWidth <= input.clientWidth)).toBe(true);
  await category.click();
  const options = page.getByRole('option');
  await expect(options.first()).toHaveText('Saúde');
  await expectInside(page.getByRole('listbox'), dialog);
  // Type to filter, accents and case aside; Enter picks the highlighted one, Esc closes.
  await category.fill('TRANS');
  await expect(options).toHaveText(['Transporte']);
  await category.press('Enter');
  await expect(category).toHaveValue('Transporte');
  await category.fill('saude');
  await expect(options).toHaveText(['Saúde']);
  await category.press('Escape');
  await expect(page.getByRole('listbox')).toBeHidden();
  // Esc leaves the choice as it was, and the dialog open; leaving the field shows it again.
  await expect(dialog).toBeVisible();
  await category.press('Tab');
  await expect(category).toHaveValue('Transporte');

  // The calendar opens on the page clock's month, weeks starting on Sunday.
  const first = firstOfThisMonth('pt-BR');
  await dialog.getByRole('button', { name: 'Escolher no calendário' }).click();
  const calendar = page.getByRole('dialog', { name: 'Calendário' });
  await expect(calendar.getByRole('button', { name: 'Escolher o mês' })).toHaveText(first.monthYear);
  await expect(calendar.locator('thead th').first()).toHaveText('Do');
  await expectInside(calendar, page.locator('body'));
  await calendar.getByRole('button', { name: first.dayLabel, exact: true }).click();
  await expect(calendar).toBeHidden();
  await expect(dialog.getByLabel('Data')).toHaveValue(first.typed);

  await dialog.getByRole('button', { name: 'Salvar' }).click();
  await expect(dialog).toBeHidden();
  await expectToastClearOfHeader(page, 'Despesa de R$ 32,50 registrada.');
});

test('wide and in English: "r" for a new income, the shortcuts help, a typed date; toast clear of the header', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await resizeAndSettle(page, DESKTOP);
  await seedPerson(page, 'comfort-wide');
  await page.goto('/');
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  await expect(page.getByRole('heading', { name: /Hi, Rita|Hello, Rita/ })).toBeVisible();

  // "?" lists the shortcuts, in English.
  await page.keyboard.press('Shift+?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('New expense');
  await expect(help).toContainText('New transfer');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  await page.keyboard.press('r');
  const dialog = page.getByRole('dialog', { name: 'New income' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Amount').fill('10,00');
  // The calendar speaks English and also starts on Sunday; typing still works beside it.
  await dialog.getByRole('button', { name: 'Pick from the calendar' }).click();
  const calendar = page.getByRole('dialog', { name: 'Calendar' });
  await expect(calendar.getByRole('button', { name: 'Choose the month' })).toHaveText(firstOfThisMonth('en').monthYear);
  await expect(calendar.locator('thead th').first()).toHaveText('Su');
  // Esc closes the calendar, not the dialog around it.
  await page.keyboard.press('Escape');
  await expect(calendar).toBeHidden();
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Date').fill(firstOfThisMonth('en').typed.replaceAll('/', ''));
  await expect(dialog.getByLabel('Date')).toHaveValue(firstOfThisMonth('en').typed);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expectToastClearOfHeader(page, 'Income of R$ 10,00 recorded.');

  // The same toast at 360 px stays clear of the header too.
  await resizeAndSettle(page, PHONE);
  await expectToastClearOfHeader(page, 'Income of R$ 10,00 recorded.');
});

/**
 * The contrast of every coloured amount and of the body and muted text on the screen
 * against the background it is painted on (the nearest ancestor with an opaque
 * background), by WCAG 2.1's relative luminance. Returns the ones under AA.
 */
async function lowContrastTexts(page: Page): Promise<string[]> {
  return page.evaluate((minimum) => {
    const win = globalThis as any;
    const parse = (color: string) => {
      const match = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(color);
      if (!match) throw new Error(`unexpected colour ${color}`);
      return {
        rgb: [Number(match[1]), Number(match[2]), Number(match[3])],
        alpha: match[4] === undefined ? 1 : Number(match[4]),
      };
    };
    const luminance = (rgb: number[]) => {
      const [r, g, b] = rgb.map((value) => {
        const channel = value / 255;
        return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: any) => {
      for (let node = element; node; node = node.parentElement) {
        const color = parse(win.getComputedStyle(node).backgroundColor);
        if (color.alpha === 1) return color.rgb;
      }
      return parse(win.getComputedStyle(win.document.body).backgroundColor).rgb;
    };
    const found: string[] = [];
    const texts = win.document.querySelectorAll('main [data-money], main p, main h1, main h2, main [class*="mantine-Text-root"]');
    for (const element of texts) {
      if (element.getClientRects().length === 0 || element.textContent.trim() === '') continue;
      const foreground = luminance(parse(win.getComputedStyle(element).color).rgb);
      const behind = luminance(background(element));
      const ratio = (Math.max(foreground, behind) + 0.05) / (Math.min(foreground, behind) + 0.05);
      if (ratio < minimum) found.push(`"${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return found;
  }, CONTRAST_AA_MIN);
}

// Reads no date: on the ordinary day only (scripts/test.mjs leaves @no-calendar out at hostile dates).
test('dark mode follows the system, the header switch overrides it and sticks, and text keeps AA contrast in both', {
  tag: '@no-calendar',
}, async ({ page }) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await resizeAndSettle(page, PHONE);
  await page.emulateMedia({ colorScheme: 'dark' });
  await seedPerson(page, 'comfort-dark');
  await page.goto('/lancamentos');
  const rows = page.locator('[data-transaction-row]');
  await expect(rows).toHaveCount(3);
  const scheme = page.locator('html');
  await expect(scheme).toHaveAttribute('data-mantine-color-scheme', 'dark');
  // Both signs are on screen, coloured.
  await expect(page.locator('main [data-money]', { hasText: '-R$ 89,90' }).first()).toBeVisible();
  await expect(page.locator('main [data-money]', { hasText: '+R$ 2.500,00' }).first()).toBeVisible();
  expect(await lowContrastTexts(page)).toEqual([]);

  // The switch picks light against the system's dark, and a reload keeps it.
  await page.getByRole('button', { name: /^Tema:/ }).click();
  await page.getByRole('menuitem', { name: 'Claro' }).click();
  await expect(scheme).toHaveAttribute('data-mantine-color-scheme', 'light');
  await page.reload();
  await expect(rows).toHaveCount(3);
  await expect(scheme).toHaveAttribute('data-mantine-color-scheme', 'light');
  expect(await lowContrastTexts(page)).toEqual([]);

  // Wide, and back to following the system.
  await resizeAndSettle(page, DESKTOP);
  expect(await lowContrastTexts(page)).toEqual([]);
  await page.getByRole('button', { name: /^Tema:/ }).click();
  await page.getByRole('menuitem', { name: 'Automático (do sistema)' }).click();
  await expect(scheme).toHaveAttribute('data-mantine-color-scheme', 'dark');
  expect(await lowContrastTexts(page)).toEqual([]);
});
