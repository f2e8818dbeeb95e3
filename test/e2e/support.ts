import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { PRIVACY_POLICY_VERSION, TERMS_VERSION } from '../../src/modules/privacy/consents.js';
import { E2E_CLOCK_RUN_START_VARIABLE, saoPauloDay } from './clock.js';

/**
 * The instant the browser tests' world starts at, which global setup fixed for the run
 * (see clock.ts): the server's clock started there and every page's clock starts there.
 * Test code asks this, never `new Date()`, for "today".
 */
export function testNow(): Date {
  const published = process.env[E2E_CLOCK_RUN_START_VARIABLE];
  const start = published === undefined ? Number.NaN : Date.parse(published);
  if (Number.isNaN(start)) throw new Error(`${E2E_CLOCK_RUN_START_VARIABLE} is not set: global setup did not run`);
  return new Date(start);
}

/** Sets a page's clock to the run's start (Playwright's clock API); time then flows normally. */
export async function installTestClock(page: Page): Promise<void> {
  await page.clock.install({ time: testNow() });
}

/**
 * A test whose page clock, flowing from the run's start, reached the next day in São
 * Paulo saw "today" change under it: its result means nothing, so it fails and says why.
 */
function expectPageStayedOnItsDay(installedAtMs: number): void {
  const start = testNow();
  const reached = new Date(start.getTime() + (Date.now() - installedAtMs));
  if (saoPauloDay(reached) !== saoPauloDay(start)) {
    throw new Error(
      `the page's clock crossed midnight in São Paulo (${start.toISOString()} to ${reached.toISOString()}): shorten the test or start the run earlier in the day`,
    );
  }
}

/**
 * Collects what makes a test fail in a page: an uncaught page error, a console error (a
 * React warning, a CSP refusal…) or any answer with a status of 500 or more, even one the
 * screen shrugs off. Chromium logs each failed answer as "Failed to load resource"; the
 * 4xx among them are expected here (401 from /api/me when signed out, wrong passwords)
 * and are not console errors of the app.
 */
export function watchBrowserErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 500) {
      errors.push(`${response.status()} from ${response.request().method()} ${new URL(response.url()).pathname}`);
    }
  });
  return errors;
}

/**
 * Every test's page starts at the run's start, so browser and server agree on "today in
 * São Paulo" whatever day the suite runs on, and every test fails on the errors
 * watchBrowserErrors collects. A page a test opens itself needs both calls.
 */
export const test = base.extend<{ frozenClock: undefined; failOnBrowserErrors: undefined }>({
  frozenClock: [
    async ({ page }, use) => {
      const installedAtMs = Date.now();
      await installTestClock(page);
      await use(undefined);
      expectPageStayedOnItsDay(installedAtMs);
    },
    { auto: true },
  ],
  failOnBrowserErrors: [
    async ({ page }, use) => {
      const errors = watchBrowserErrors(page);
      await use(undefined);
      expect(errors, 'errors in the browser console or answers with a 5xx status').toEqual([]);
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
/**
 * Registers as the form does, accepting the current terms and privacy policy, so the
 * person signs in without the dialog that asks for them; a test of that dialog registers
 * without the versions itself.
 */
export async function registerViaApi(page: Page, person: Person): Promise<void> {
  const response = await page.request.post('/api/auth/register', {
    data: { ...person, accepted_terms_version: TERMS_VERSION, accepted_privacy_version: PRIVACY_POLICY_VERSION },
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
  await page.getByRole('button', { name: 'Meu cadastro' }).click();
  await page.getByRole('menuitem', { name: 'Sair' }).click();
  await expect(page).toHaveURL(/\/entrar$/);
}

/**
 * Picks an option in a Mantine Select (its options live in a portal, outside any dialog), from that
 * select's own list (`aria-controls`), never from another select's list still on screen. A tap on a
 * select in a dialog that had just opened left no list open on a starved machine (CI, leap-day run,
 * 2 December: the test waited 120 s for the option); as a person would, it taps again while the
 * select says its list is closed (`aria-expanded`), and a second tap is noted on the test's report.
 */
export async function choose(page: Page, select: Locator, option: string): Promise<void> {
  let taps = 0;
  await expect(async () => {
    if ((await select.getAttribute('aria-expanded')) !== 'true') {
      taps += 1;
      await select.click();
    }
    await expect(select).toHaveAttribute('aria-expanded', 'true', { timeout: 5_000 });
    const list = await select.getAttribute('aria-controls');
    if (!list) throw new Error(`the select's open list has no id (aria-controls)`);
    await page.locator(`[id="${list}"]`).getByRole('option', { name: option, exact: true }).click({ timeout: 5_000 });
  }).toPass({ timeout: 45_000 });
  if (taps > 1)
    test.info().annotations.push({ type: 'select tapped again', description: `"${option}": ${taps} taps to open its list` });
}

export function accountRow(page: Page, name: string): Locator {
  return page.locator(`[data-account-row][data-account-name="${name}"]`);
}

/** The balance the accounts screen shows for an account, e.g. "R$ 1.234,56". */
export async function expectAccountBalance(page: Page, name: string, formatted: string): Promise<void> {
  await expect(accountRow(page, name).locator('[data-money]')).toHaveText(formatted);
}

/**
 * Opens an account as a person does, from the accounts screen's "Nova conta" form: the
 * type as the form names it ("Conta corrente", "Dinheiro"…) and a balance of zero or more
 * as typed ("4.000,00").
 */
export async function createAccountViaUi(page: Page, account: { name: string; type?: string; balance?: string }): Promise<void> {
  await page.goto('/contas');
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nova conta' });
  // The name follows the type until typed, so the type comes first.
  if (account.type) await choose(page, dialog.getByRole('combobox', { name: 'Tipo' }), account.type);
  await dialog.getByLabel('Nome da conta').fill(account.name);
  if (account.balance) await dialog.getByLabel('Saldo atual').fill(account.balance);
  await dialog.getByRole('button', { name: 'Criar conta' }).click();
  await expect(dialog).toBeHidden();
  await expectAccountBalance(page, account.name, `R$ ${account.balance ?? '0,00'}`);
}

/**
 * The page's full scrollable width. Passed as a string because this file is type-checked
 * with the server's Node-only libraries, which have no DOM types.
 */
export async function documentScrollWidth(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

/**
 * Resizes the window and waits until the layout has settled. Crossing the phone breakpoint
 * animates the side menu away (a CSS transition on the main area's padding); measuring
 * before it ends sees a squeezed page that nobody on a phone ever sees.
 */
export async function resizeAndSettle(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await expect
    .poll(() =>
      page.evaluate<number>(
        "document.getAnimations().filter((a) => a.constructor.name === 'CSSTransition' && a.playState === 'running').length",
      ),
    )
    .toBe(0);
}

/** Waits until no animation runs: menus, dialogs and drawers animate in; measure what stays. */
export async function settleAnimations(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate<number>("document.getAnimations().filter((a) => a.playState === 'running').length"))
    .toBe(0);
}

/** The list rows of the ledger screens. */
export const LIST_ROW_SELECTOR = '[data-transaction-row],[data-account-row],[data-statement-line]';

/**
 * Every amount on screen lies inside the viewport and is not clipped by an ancestor, and
 * in every list row no two pieces of text overlap: nothing runs together or gets cut.
 * `rowSelector` names the rows whose texts are checked for overlap.
 */
export async function expectAmountsFullyVisible(page: Page, rowSelector: string = LIST_ROW_SELECTOR): Promise<void> {
  const problems = await page.evaluate((rows) => {
    const found: string[] = [];
    const doc = (globalThis as any).document;
    const viewportWidth = (globalThis as any).innerWidth as number;
    // A couple of pixels of slack: glyph boxes of neighbouring lines may touch without hiding anything.
    const slack = 2;
    const overlaps = (a: any, b: any) =>
      a.left < b.right - slack && b.left < a.right - slack && a.top < b.bottom - slack && b.top < a.bottom - slack;
    for (const money of doc.querySelectorAll('[data-money]')) {
      const rect = money.getBoundingClientRect();
      if (rect.width === 0) continue;
      if (rect.left < 0 || rect.right > viewportWidth + 0.5) found.push(`outside the viewport: ${money.textContent}`);
      for (let parent = money.parentElement; parent; parent = parent.parentElement) {
        const style = (globalThis as any).getComputedStyle(parent);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const box = parent.getBoundingClientRect();
        if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5) found.push(`clipped: ${money.textContent}`);
      }
    }
    // The boxes of the visible text itself (not of its elements, and minus what an
    // ellipsis or line clamp hides), per row, must not intersect.
    const visiblePart = (rect: any, node: any, row: any) => {
      let box = { left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom };
      for (let parent = node.parentElement; parent && parent !== row.parentElement; parent = parent.parentElement) {
        const style = (globalThis as any).getComputedStyle(parent);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const clip = parent.getBoundingClientRect();
        box = {
          left: Math.max(box.left, clip.left),
          right: Math.min(box.right, clip.right),
          top: Math.max(box.top, clip.top),
          bottom: Math.min(box.bottom, clip.bottom),
        };
      }
      return box.right - box.left > 0.5 && box.bottom - box.top > 0.5 ? box : null;
    };
    for (const row of doc.querySelectorAll(rows)) {
      const pieces: { node: any; text: string; rect: any }[] = [];
      const walker = doc.createTreeWalker(row, 4);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (text.length === 0) continue;
        const range = doc.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) {
          const visible = visiblePart(rect, node, row);
          if (visible) pieces.push({ node, text, rect: visible });
        }
      }
      for (let a = 0; a < pieces.length; a += 1) {
        for (let b = a + 1; b < pieces.length; b += 1) {
          const first = pieces[a];
          const second = pieces[b];
          // Lines of one text may touch (glyph boxes are taller than the line height); that is not overlap.
          if (!first || !second || first.node === second.node) continue;
          if (overlaps(first.rect, second.rect)) found.push(`"${first.text}" overlaps "${second.text}"`);
        }
      }
    }
    return found;
  }, rowSelector);
  expect(problems).toEqual([]);
}
