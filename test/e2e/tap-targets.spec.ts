import type { Page } from '@playwright/test';
import { expect as baseExpect, newPerson, registerViaApi, resizeAndSettle, settleAnimations, test } from './support.js';

/**
 * Every visible tap target on every screen is at least 44×44 px on a 360 px phone
 * (Apple's and Material's size; WCAG 2.5.8 asks 24 px, 2.5.5 asks 44 px). The sizes are
 * set once in the theme (web/src/styles.css, under the phone media query), so this test
 * walks the whole router and fails with the list of offenders.
 */
const PHONE = { width: 360, height: 740 };
const TAP_TARGET_MIN_PX = 44;
/** Layout boxes land on fractions of a pixel; half a pixel less is still 44 on screen. */
const SUBPIXEL_SLACK_PX = 0.5;
const CSRF = { 'X-Requested-With': 'vai-de-pix' };
/** Six screens or dialogs per test, each loaded fresh; the default 60 s is sized for a few forms. */
const WALK_TIMEOUT_MS = 90_000;
const expect = baseExpect.configure({ timeout: 15_000 });

interface Seed {
  accountId: string;
  cardId: string;
}

/**
 * A screen to measure: where it is, and optionally what to open on it first (a dialog, a
 * menu, a dropdown). THE PAGE LIST: a new page of the router gets a line here (and its
 * dialogs and menus a line each, with `open`).
 */
interface Visit {
  name: string;
  path: (seed: Seed) => string;
  open?: (page: Page) => Promise<void>;
}

const openFirstRowMenu = async (page: Page) => {
  await page
    .getByRole('button', { name: /^Ações d/ })
    .first()
    .click();
  await expect(page.getByRole('menu')).toBeVisible();
};

const openExpenseDialog = async (page: Page) => {
  await page.getByRole('button', { name: 'Nova despesa' }).first().click();
  await expect(page.getByRole('dialog', { name: 'Nova despesa' })).toBeVisible();
};

const GUEST_VISITS: Visit[] = [
  { name: 'login', path: () => '/entrar' },
  { name: 'registration', path: () => '/cadastro' },
  { name: 'not found (signed out)', path: () => '/pagina-que-nao-existe' },
  { name: 'privacy policy', path: () => '/privacidade' },
  { name: 'terms of use', path: () => '/termos' },
];

const SIGNED_IN_VISITS: Visit[] = [
  { name: 'dashboard', path: () => '/' },
  {
    name: 'dashboard: navigation',
    path: () => '/',
    open: async (page) => {
      await page.getByRole('button', { name: 'Abrir menu de navegação' }).click();
      await expect(page.getByRole('link', { name: 'Painel' })).toBeInViewport();
    },
  },
  {
    name: 'dashboard: user menu',
    path: () => '/',
    open: async (page) => {
      await page.getByRole('button', { name: 'Meu cadastro' }).click();
      await expect(page.getByRole('menu')).toBeVisible();
    },
  },
  { name: 'dashboard: expense dialog', path: () => '/', open: openExpenseDialog },
  {
    name: 'dashboard: expense dialog, category list',
    path: () => '/',
    open: async (page) => {
      await openExpenseDialog(page);
      await page.getByRole('dialog').getByRole('combobox', { name: 'Categoria' }).click();
      await expect(page.getByRole('option').first()).toBeVisible();
    },
  },
  {
    name: 'dashboard: expense dialog, calendar',
    path: () => '/',
    open: async (page) => {
      await openExpenseDialog(page);
      await page.getByRole('button', { name: 'Escolher no calendário' }).click();
      await expect(page.getByRole('dialog', { name: 'Calendário' }).getByRole('table')).toBeVisible();
    },
  },
  { name: 'accounts', path: () => '/contas' },
  { name: 'accounts: row menu', path: () => '/contas', open: openFirstRowMenu },
  {
    name: 'accounts: settings dialog',
    path: () => '/contas',
    open: async (page) => {
      await openFirstRowMenu(page);
      await page.getByRole('menuitem', { name: 'Configurações' }).click();
      await expect(page.getByRole('dialog', { name: /^Configurações/ })).toBeVisible();
    },
  },
  { name: 'account statement', path: (seed) => `/contas/${seed.accountId}` },
  { name: 'card bills', path: (seed) => `/contas/${seed.cardId}/fatura` },
  {
    name: 'card: pay bill dialog',
    path: (seed) => `/contas/${seed.cardId}/fatura`,
    open: async (page) => {
      await page.getByRole('button', { name: 'Pagar fatura' }).first().click();
      await expect(page.getByRole('dialog', { name: /^Pagar fatura/ })).toBeVisible();
    },
  },
  {
    name: 'transactions: card purchase dialog, refund',
    path: () => '/lancamentos',
    open: async (page) => {
      await page.locator('[data-transaction-row]', { hasText: 'Geladeira' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Estornar' }).click();
      await expect(page.getByRole('dialog').getByText('O estorno entra na fatura aberta hoje.')).toBeVisible();
    },
  },
  { name: 'transactions', path: () => '/lancamentos' },
  {
    name: 'transactions: transaction dialog',
    path: () => '/lancamentos',
    open: async (page) => {
      await page.locator('[data-transaction-row]').first().click();
      await expect(page.getByRole('dialog')).toBeVisible();
    },
  },
  { name: 'transactions: reversed shown', path: () => '/lancamentos?estornados=1' },
  { name: 'transfer', path: () => '/transferir' },
  { name: 'categories', path: () => '/categorias' },
  { name: 'categories: row menu', path: () => '/categorias', open: openFirstRowMenu },
  { name: 'goals', path: () => '/metas' },
  { name: 'goals: card menu', path: () => '/metas', open: openFirstRowMenu },
  { name: 'budgets', path: () => '/orcamentos' },
  { name: 'budgets: row menu', path: () => '/orcamentos', open: openFirstRowMenu },
  { name: 'insights', path: () => '/analises' },
  { name: 'recurring', path: () => '/recorrentes' },
  { name: 'recurring: row menu', path: () => '/recorrentes', open: openFirstRowMenu },
  { name: 'Pix: receive', path: () => '/pix/receber' },
  { name: 'Pix: paid', path: () => '/pix/pago' },
  { name: 'profile', path: () => '/perfil' },
  { name: 'my data', path: () => '/meus-dados' },
  {
    name: 'my data: delete dialog',
    path: () => '/meus-dados',
    open: async (page) => {
      await page.getByRole('button', { name: 'Excluir minha conta…' }).click();
      await expect(page.getByRole('dialog', { name: 'Excluir sua conta?' })).toBeVisible();
    },
  },
  {
    name: 'dashboard: theme menu',
    path: () => '/',
    open: async (page) => {
      await page.getByRole('button', { name: /^Tema/ }).click();
      await expect(page.getByRole('menu')).toBeVisible();
    },
  },
  {
    name: 'dashboard: keyboard shortcuts',
    path: () => '/',
    open: async (page) => {
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Atalhos de teclado' })).toBeVisible();
    },
  },
  { name: 'not found (signed in)', path: () => '/pagina-que-nao-existe' },
];

/**
 * The offenders on the screen as it is now: every visible, enabled interactive element
 * whose box is under 44×44 px, as "selector "text" width×height".
 *
 * - A checkbox or radio counts with its label (tapping either toggles it), and a visually
 *   hidden input (a segmented control's radio) is measured by its label, which is what
 *   the finger touches.
 * - WCAG 2.5.8's inline exception: a link inside a sentence (an inline element whose
 *   parent holds other text) is exempt, as its size is set by the line of text around it.
 * - Elements wholly outside the viewport sideways (the closed phone navigation) are not visible.
 * The function runs in the page, so it is written against `any` (this file is checked
 * with the server's libraries, which have no DOM types).
 */
async function tapTargetOffenders(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ minimum, slack }) => {
      const win = globalThis as any;
      const doc = win.document;
      const selector = [
        'a[href]',
        'button',
        'input:not([type=hidden])',
        'select',
        'textarea',
        'summary',
        '[role=button]',
        '[role=link]',
        '[role=menuitem]',
        '[role=option]',
        '[role=tab]',
        '[role=checkbox]',
        '[role=radio]',
        '[role=switch]',
      ].join(',');
      const hidden = (element: any) => {
        for (let node = element; node; node = node.parentElement) {
          const style = win.getComputedStyle(node);
          if (style.display === 'none' || style.visibility === 'hidden' || node.getAttribute('aria-hidden') === 'true')
            return true;
        }
        return false;
      };
      const labelOf = (element: any) => (element.id ? doc.querySelector(`label[for="${element.id}"]`) : null);
      const union = (a: any, b: any) => {
        const left = Math.min(a.left, b.left);
        const top = Math.min(a.top, b.top);
        return { left, top, width: Math.max(a.right, b.right) - left, height: Math.max(a.bottom, b.bottom) - top };
      };
      const targetBox = (element: any) => {
        const own = element.getBoundingClientRect();
        const label = element.tagName === 'INPUT' ? labelOf(element) : null;
        if (own.width < 2 || own.height < 2 || win.getComputedStyle(element).opacity === '0') {
          return label ? label.getBoundingClientRect() : null;
        }
        if (label && (element.type === 'checkbox' || element.type === 'radio')) return union(own, label.getBoundingClientRect());
        return own;
      };
      const inlineInSentence = (element: any) => {
        if (win.getComputedStyle(element).display !== 'inline') return false;
        const parent = element.parentElement;
        return parent !== null && parent.textContent.trim().length > element.textContent.trim().length;
      };
      const describeElement = (element: any, box: any) => {
        const classes = [...element.classList].filter((name: string) => name.startsWith('mantine-')).join('.');
        const tag = `${element.tagName.toLowerCase()}${element.getAttribute('role') ? `[role=${element.getAttribute('role')}]` : ''}${classes ? `.${classes}` : ''}`;
        const text = (element.getAttribute('aria-label') ?? element.textContent ?? element.getAttribute('placeholder') ?? '')
          .trim()
          .replace(/\s+/g, ' ')
          .slice(0, 40);
        return `${tag} "${text}" ${box.width.toFixed(1)}×${box.height.toFixed(1)}`;
      };
      const found: string[] = [];
      for (const element of doc.querySelectorAll(selector)) {
        if (element.disabled || element.getAttribute('aria-disabled') === 'true' || hidden(element)) continue;
        if (inlineInSentence(element)) continue;
        const box = targetBox(element);
        if (!box || box.width === 0 || box.height === 0) continue;
        if (box.left + box.width <= 0 || box.left >= win.innerWidth) continue;
        if (box.width < minimum - slack || box.height < minimum - slack) found.push(describeElement(element, box));
      }
      return found;
    },
    { minimum: TAP_TARGET_MIN_PX, slack: SUBPIXEL_SLACK_PX },
  );
}

/** Goes to the screen, waits until nothing is loading, opens what the visit names and measures. */
async function measure(page: Page, visit: Visit, seed: Seed): Promise<string[]> {
  await page.goto(visit.path(seed));
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.mantine-Loader-root')).toHaveCount(0);
  await expect(page.locator('main, form').first()).toBeVisible();
  if (visit.open) await visit.open(page);
  await settleAnimations(page);
  return (await tapTargetOffenders(page)).map((offender) => `${visit.name}: ${offender}`);
}

async function apiPost<T>(page: Page, url: string, data: unknown): Promise<T> {
  const response = await page.request.post(url, { data, headers: CSRF });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** A person with something on every screen: accounts, entries, a goal, a budget, a bill, a Pix key. */
async function seed(page: Page): Promise<Seed> {
  await registerViaApi(page, newPerson('Joana Tavares', 'taps'));
  const main = await apiPost<{ id: string }>(page, '/api/accounts', {
    name: 'Nubank',
    type: 'checking',
    initial_balance_cents: 350_000,
  });
  await apiPost(page, '/api/accounts', { name: 'Poupança', type: 'savings', initial_balance_cents: 120_000 });
  const categories = await page.request.get('/api/categories?skip=0&limit=100&include_archived=false');
  const { items } = (await categories.json()) as { items: { id: string; system_key: string | null }[] };
  const food = items.find((item) => item.system_key === 'food');
  if (!food) throw new Error('no default category food');
  await apiPost(page, '/api/transactions', {
    account_id: main.id,
    type: 'expense',
    amount_cents: 4_590,
    description: 'Padaria',
    category_id: food.id,
  });
  const goal = await apiPost<{ id: string }>(page, '/api/goals', { name: 'Viagem', target_cents: 500_000 });
  await apiPost(page, `/api/goals/${goal.id}/contributions`, { from_account_id: main.id, amount_cents: 10_000 });
  const month = (await page.evaluate<string>("new Date().toLocaleDateString('sv-SE', { timeZone: 'America/Sao_Paulo' })")).slice(
    0,
    7,
  );
  const budget = await page.request.put(`/api/budgets/${month}/${food.id}`, { data: { limit_cents: 80_000 }, headers: CSRF });
  expect(budget.status(), await budget.text()).toBe(201);
  const today = await page.evaluate<string>("new Date().toLocaleDateString('sv-SE', { timeZone: 'America/Sao_Paulo' })");
  await apiPost(page, '/api/recurring', {
    type: 'expense',
    amount_cents: 150_000,
    description: 'Aluguel',
    account_id: main.id,
    schedule: { kind: 'monthly', day: 10 },
    start_on: today,
  });
  const card = await apiPost<{ id: string }>(page, '/api/accounts', {
    name: 'Cartão',
    type: 'credit_card',
    credit_limit_cents: 500_000,
    closing_day: 3,
    due_day: 10,
  });
  await apiPost(page, '/api/transactions', {
    account_id: card.id,
    type: 'expense',
    amount_cents: 300_000,
    description: 'Geladeira',
    installments: 10,
  });
  return { accountId: main.id, cardId: card.id };
}

/**
 * The walk is cut into a few tests so none runs for a minute. Tap-target sizes do not depend on
 * the date, so this spec runs on the ordinary day only (scripts/test.mjs); the 360 px layout of
 * the dated screens at hostile dates is checked by the ledger and planning specs.
 */
const VISITS_PER_TEST = 6;

test('every visible tap target on the signed-out screens is at least 44×44 px at 360 px', async ({ page }) => {
  await resizeAndSettle(page, PHONE);
  const offenders: string[] = [];
  for (const visit of GUEST_VISITS) offenders.push(...(await measure(page, visit, { accountId: '', cardId: '' })));
  expect([...new Set(offenders)]).toEqual([]);
});

/** The signed-in visits cut into tests of VISITS_PER_TEST each. */
function visitGroups(): Visit[][] {
  const groups: Visit[][] = [];
  for (let first = 0; first < SIGNED_IN_VISITS.length; first += VISITS_PER_TEST) {
    groups.push(SIGNED_IN_VISITS.slice(first, first + VISITS_PER_TEST));
  }
  return groups;
}

for (const visits of visitGroups()) {
  test(`every visible tap target is at least 44×44 px at 360 px: ${visits.map((visit) => visit.name).join(', ')}`, async ({
    page,
  }) => {
    test.setTimeout(WALK_TIMEOUT_MS);
    await resizeAndSettle(page, PHONE);
    const seeded = await seed(page);
    const offenders: string[] = [];
    for (const visit of visits) offenders.push(...(await measure(page, visit, seeded)));
    expect([...new Set(offenders)]).toEqual([]);
  });
}
