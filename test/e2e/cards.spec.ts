import { addDays, dayParts, monthOf, shiftMonth } from '../../src/lib/calendar.js';
import { saoPauloDay } from './clock.js';
import {
  accountRow,
  expect as baseExpect,
  choose,
  createAccountViaUi,
  documentScrollWidth,
  expectAmountsFullyVisible,
  newPerson,
  registerViaApi,
  resizeAndSettle,
  test,
  testNow,
} from './support.js';

/** Each step waits for a write and the refetches it causes; a busy two-core machine can pass 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };
const FLOW_TIMEOUT_MS = 120_000;

/** "2026-11" → "Novembro de 2026", as the card screen names a bill. */
function billName(month: string): string {
  const { year, month: monthNumber } = dayParts(`${month}-15`);
  const label = new Intl.DateTimeFormat('pt-BR', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, monthNumber - 1, 15, 12)),
  );
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function displayDay(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

/**
 * The server's clock cannot be moved, so the days are chosen from the run's "today" for a
 * bill to have closed already: the card closes a week ago (its day, 28 at most so every month
 * has it) and falls due the same day next month; a purchase three weeks ago joins the bill
 * that closed a week ago, and its later installments the open bill and the one after.
 */
function schedule() {
  const today = saoPauloDay(testNow());
  const weekAgo = addDays(today, -7);
  const closingDay = Math.min(dayParts(weekAgo).day, 28);
  const closedMonth = monthOf(weekAgo);
  return {
    closingDay,
    dueDay: closingDay,
    purchaseDay: addDays(today, -20),
    closed: closedMonth,
    current: shiftMonth(closedMonth, 1),
    next: shiftMonth(closedMonth, 2),
  };
}

test('a card with its days, a purchase parcelado em 3×, its installments on three bills, and the closed bill paid from checking', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  const days = schedule();
  await resizeAndSettle(page, DESKTOP);
  await registerViaApi(page, newPerson('Joana Prado', 'cards'));
  await createAccountViaUi(page, { name: 'Conta corrente', balance: '1.000,00' });

  // The card, with its limit, closing and due days and the closing-day rule.
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const create = page.getByRole('dialog', { name: 'Nova conta' });
  await choose(page, create.getByRole('combobox', { name: 'Tipo' }), 'Cartão de crédito');
  await create.getByLabel('Nome da conta').fill('Cartão Azul');
  await create.getByLabel('Limite do cartão').fill('5.000,00');
  await expect(create.getByText('Em meses mais curtos, um dia que não existe vira o último dia do mês')).toBeVisible();
  await expect(create.getByRole('radio', { name: 'Vão para a próxima fatura' })).toBeChecked();
  // One day without the other is refused before anything is sent.
  await create.getByRole('textbox', { name: 'Dia do fechamento' }).fill(String(days.closingDay));
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create.getByText('Informe os dois dias: fechamento e vencimento.')).toBeVisible();
  await create.getByRole('textbox', { name: 'Dia do vencimento' }).fill(String(days.dueDay));
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create).toBeHidden();

  // The card's row opens its bills.
  await accountRow(page, 'Cartão Azul').getByRole('link').click();
  await expect(page).toHaveURL(/\/contas\/[0-9a-f-]+\/fatura$/);
  await expect(page.getByText(`Fecha todo dia ${days.closingDay}, vence todo dia ${days.dueDay}`)).toBeVisible();
  await expect(page.getByTestId('card-limit-used')).toHaveText('R$ 0,00');
  await expect(page.getByTestId('card-limit-available')).toHaveText('R$ 5.000,00');

  // A purchase three weeks ago, parcelado em 3×: the preview splits it as the server will.
  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const entry = page.getByRole('dialog', { name: 'Nova despesa' });
  await entry.getByLabel('Valor').fill('100,00');
  await entry.getByLabel('Descrição').fill('Fone de ouvido');
  await expect(entry.getByRole('combobox', { name: 'Conta' })).toHaveValue('Cartão Azul');
  await entry.getByLabel('Data').fill(displayDay(days.purchaseDay));
  await entry.getByRole('radiogroup', { name: 'Forma de pagamento' }).getByText('Parcelado').click();
  await choose(page, entry.getByRole('combobox', { name: 'Número de parcelas' }), '3×');
  await expect(entry.getByTestId('installment-preview')).toHaveText('1ª parcela de R$ 33,34, depois 2× de R$ 33,33');
  await entry.getByRole('button', { name: 'Salvar' }).click();
  await expect(entry).toBeHidden();

  // The whole amount left the limit; each installment is on its bill.
  await expect(page.getByTestId('card-limit-used')).toHaveText('R$ 100,00');
  await expect(page.getByTestId('card-limit-available')).toHaveText('R$ 4.900,00');
  const current = page.getByRole('region', { name: 'Fatura atual' });
  await expect(current.getByRole('heading', { name: billName(days.current) })).toBeVisible();
  await expect(current.getByTestId('bill-status')).toHaveText('Aberta');
  await expect(current.locator('[data-bill-item]')).toContainText('parcela 2/3');
  await expect(current.getByTestId('bill-total')).toHaveText('R$ 33,33');

  const next = page.getByRole('region', { name: 'Próximas faturas' });
  const nextBill = next.locator(`[data-bill="${days.next}"]`);
  await expect(nextBill.getByTestId('bill-status')).toHaveText('Aberta');
  await nextBill.getByRole('button', { name: new RegExp(billName(days.next)) }).click();
  await expect(nextBill.locator('[data-bill-item]')).toContainText('parcela 3/3');

  // The bill that closed a week ago holds the first installment, with the remainder centavo.
  const past = page.getByRole('region', { name: 'Faturas anteriores' });
  const closed = past.locator(`[data-bill="${days.closed}"]`);
  await expect(closed.getByTestId('bill-status')).toHaveText('Fechada');
  await expect(closed.locator('[data-bill-item]')).toContainText('parcela 1/3');
  await expect(closed.locator('[data-bill-item]')).toContainText('R$ 33,34');

  // Paid in full from checking: a transfer naming the bill, and the bill reads "Paga".
  await closed.getByRole('button', { name: 'Pagar fatura' }).click();
  const pay = page.getByRole('dialog', { name: `Pagar fatura de ${billName(days.closed)}` });
  await expect(pay.getByRole('combobox', { name: 'Pagar com' })).toHaveValue('Conta corrente (R$ 1.000,00)');
  await pay.getByRole('button', { name: 'Pagar R$ 33,34' }).click();
  await expect(pay).toBeHidden();
  await expect(closed.getByTestId('bill-status')).toHaveText('Paga');
  await expect(closed.locator('[data-bill-payment]')).toContainText('R$ 33,34');
  await expect(page.getByTestId('card-limit-used')).toHaveText('R$ 66,66');

  // The purchase says "em 3×" in the transactions list.
  await page.goto('/lancamentos');
  await expect(page.locator('[data-transaction-row]', { hasText: 'Fone de ouvido' })).toContainText('em 3×');

  // And on the card's statement.
  await page.goBack();
  await page.getByRole('link', { name: 'Ver extrato' }).click();
  await expect(page.locator('[data-statement-line]', { hasText: 'Fone de ouvido' })).toContainText('em 3×');

  // At 360 px the card screen fits: no sideways scroll, every amount whole.
  await page.goBack();
  await resizeAndSettle(page, PHONE);
  await expect(page.getByRole('region', { name: 'Fatura atual' })).toBeVisible();
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
  await expectAmountsFullyVisible(page, '[data-bill-item],[data-bill-payment]');
});

test('a card without days asks for them on its screen, and gets its bills once they are set', async ({ page }) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await resizeAndSettle(page, PHONE);
  await registerViaApi(page, newPerson('Caio Reis', 'cards-days'));
  await createAccountViaUi(page, { name: 'Cartão Verde', type: 'Cartão de crédito' });
  await accountRow(page, 'Cartão Verde').getByRole('link').click();
  await expect(page.getByText('Informe o dia do fechamento e o do vencimento deste cartão para ver as faturas.')).toBeVisible();
  await page.getByRole('button', { name: 'Informar os dias' }).click();
  const settings = page.getByRole('dialog', { name: 'Configurações da conta' });
  await settings.getByRole('textbox', { name: 'Dia do fechamento' }).fill('32');
  await settings.getByRole('textbox', { name: 'Dia do vencimento' }).fill('10');
  await settings.getByRole('button', { name: 'Salvar' }).click();
  await expect(settings.getByText('Um dia de 1 a 31.')).toBeVisible();
  await settings.getByRole('textbox', { name: 'Dia do fechamento' }).fill('31');
  await settings.getByRole('radio', { name: 'Entram na fatura que fecha' }).check();
  await settings.getByRole('button', { name: 'Salvar' }).click();
  await expect(settings).toBeHidden();
  await expect(page.getByText('Fecha todo dia 31, vence todo dia 10')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Fatura atual' }).getByTestId('bill-status')).toHaveText('Aberta');
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
});

test('a purchase in installments is paid early with a discount, refused for more installments than it has, and refunded', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  await resizeAndSettle(page, DESKTOP);
  await registerViaApi(page, newPerson('Lia Campos', 'cards-refund'));
  await page.goto('/contas');
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const create = page.getByRole('dialog', { name: 'Nova conta' });
  await choose(page, create.getByRole('combobox', { name: 'Tipo' }), 'Cartão de crédito');
  await create.getByLabel('Nome da conta').fill('Cartão Lilás');
  await create.getByLabel('Limite do cartão').fill('3.000,00');
  await create.getByRole('textbox', { name: 'Dia do fechamento' }).fill('5');
  await create.getByRole('textbox', { name: 'Dia do vencimento' }).fill('15');
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create).toBeHidden();
  await accountRow(page, 'Cartão Lilás').getByRole('link').click();

  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const entry = page.getByRole('dialog', { name: 'Nova despesa' });
  await entry.getByLabel('Valor').fill('1.200,00');
  await entry.getByLabel('Descrição').fill('Geladeira');
  await entry.getByRole('radiogroup', { name: 'Forma de pagamento' }).getByText('Parcelado').click();
  await choose(page, entry.getByRole('combobox', { name: 'Número de parcelas' }), '4×');
  await expect(entry.getByTestId('installment-preview')).toHaveText('4× de R$ 300,00');
  await entry.getByRole('button', { name: 'Salvar' }).click();
  await expect(entry).toBeHidden();

  // The purchase's dialog, from its installment on the open bill.
  const current = page.getByRole('region', { name: 'Fatura atual' });
  await current.getByRole('button', { name: 'Geladeira' }).click();
  const dialog = page.getByRole('dialog', { name: 'Lançamento' });
  await expect(dialog.getByText('em 4×')).toBeVisible();
  await expect(dialog.locator('[data-installment]')).toHaveCount(4);

  // Five of three later installments: the server's 422 reads as a sentence.
  await dialog.getByRole('button', { name: 'Antecipar parcelas' }).click();
  await dialog.getByRole('textbox', { name: 'Quantas parcelas' }).fill('5');
  await dialog.getByRole('button', { name: 'Antecipar', exact: true }).click();
  await expect(dialog.getByText('Não há tantas parcelas nas próximas faturas.')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Quantas parcelas' }).fill('1');
  await dialog.getByLabel('Desconto').fill('20,00');
  await dialog.getByRole('button', { name: 'Antecipar', exact: true }).click();
  await expect(page.getByText('Parcelas antecipadas para a fatura aberta.')).toBeVisible();
  await expect(dialog.getByText('Antecipada')).toBeVisible();

  // The rest is refunded: the refund shows as "Estorno" on the open bill and in the list.
  await dialog.getByRole('button', { name: 'Estornar' }).click();
  await dialog.getByRole('radiogroup', { name: 'O que estornar' }).getByText('Tudo').click();
  await dialog.getByRole('button', { name: 'Estornar', exact: true }).click();
  await expect(page.getByText(/Estorno registrado: R\$/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Fechar' }).click();
  await expect(current.locator('[data-bill-item]', { hasText: 'Estorno: Geladeira' })).toContainText('Estorno');
  await page.goto('/lancamentos');
  await expect(page.locator('[data-transaction-row]', { hasText: 'Estorno: Geladeira' })).toContainText('Estorno');
});

test('a bill past its due day says its rest moved to the next bill, and only the next bill offers "Pagar fatura"', async ({
  page,
}) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  const days = schedule();
  // The bill before the one that closed a week ago fell due a week ago: a purchase 50 days
  // ago is on it, and nothing was paid, so its rest rolled into the closed bill.
  const rolled = shiftMonth(days.closed, -1);
  await resizeAndSettle(page, PHONE);
  await registerViaApi(page, newPerson('Rui Toledo', 'cards-rolled'));
  await page.goto('/contas');
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const create = page.getByRole('dialog', { name: 'Nova conta' });
  await choose(page, create.getByRole('combobox', { name: 'Tipo' }), 'Cartão de crédito');
  await create.getByLabel('Nome da conta').fill('Cartão Cinza');
  await create.getByLabel('Limite do cartão').fill('2.000,00');
  await create.getByRole('textbox', { name: 'Dia do fechamento' }).fill(String(days.closingDay));
  await create.getByRole('textbox', { name: 'Dia do vencimento' }).fill(String(days.dueDay));
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create).toBeHidden();
  await accountRow(page, 'Cartão Cinza').getByRole('link').click();

  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const entry = page.getByRole('dialog', { name: 'Nova despesa' });
  await entry.getByLabel('Valor').fill('80,00');
  await entry.getByLabel('Descrição').fill('Farmácia');
  await entry.getByLabel('Data').fill(displayDay(addDays(saoPauloDay(testNow()), -50)));
  await entry.getByRole('button', { name: 'Salvar' }).click();
  await expect(entry).toBeHidden();

  const past = page.getByRole('region', { name: 'Faturas anteriores' });
  const closed = past.locator(`[data-bill="${days.closed}"]`);
  await expect(closed.getByTestId('bill-previous-balance')).toHaveText('R$ 80,00');
  await expect(closed.getByRole('button', { name: 'Pagar fatura' })).toBeVisible();

  const old = past.locator(`[data-bill="${rolled}"]`);
  await expect(old.getByTestId('bill-status')).toHaveText('Vencida');
  await old.getByRole('button', { name: new RegExp(billName(rolled)) }).click();
  await expect(old.getByText('Passou para a próxima fatura')).toBeVisible();
  await expect(old.getByTestId('bill-rolled-over')).toHaveText('R$ 80,00');
  await expect(old.getByRole('button', { name: 'Pagar fatura' })).toHaveCount(0);
  expect(await documentScrollWidth(page)).toBeLessThanOrEqual(PHONE.width);

  // In English too.
  await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('EN', { exact: true }).click();
  const earlier = page.getByRole('region', { name: 'Past bills' }).locator(`[data-bill="${rolled}"]`);
  await expect(earlier.getByText('Moved to the next bill')).toBeVisible();
  await expect(earlier.getByRole('button', { name: 'Pay bill' })).toHaveCount(0);
});

test('a card with more bills than one page shows the older ones on "Ver faturas anteriores"', async ({ page }) => {
  test.setTimeout(FLOW_TIMEOUT_MS);
  const days = schedule();
  // Nine years ago, never paid: its rest rolls into every bill since, over a hundred of them.
  const longAgo = addDays(saoPauloDay(testNow()), -9 * 365);
  const firstBill = shiftMonth(monthOf(longAgo), 1);
  await resizeAndSettle(page, DESKTOP);
  await registerViaApi(page, newPerson('Ana Lobo', 'cards-older'));
  await page.goto('/contas');
  await page.getByRole('button', { name: 'Nova conta' }).click();
  const create = page.getByRole('dialog', { name: 'Nova conta' });
  await choose(page, create.getByRole('combobox', { name: 'Tipo' }), 'Cartão de crédito');
  await create.getByLabel('Nome da conta').fill('Cartão Antigo');
  await create.getByLabel('Limite do cartão').fill('2.000,00');
  await create.getByRole('textbox', { name: 'Dia do fechamento' }).fill(String(days.closingDay));
  await create.getByRole('textbox', { name: 'Dia do vencimento' }).fill(String(days.dueDay));
  await create.getByRole('button', { name: 'Criar conta' }).click();
  await expect(create).toBeHidden();
  await accountRow(page, 'Cartão Antigo').getByRole('link').click();

  await page.getByRole('button', { name: 'Nova despesa' }).click();
  const entry = page.getByRole('dialog', { name: 'Nova despesa' });
  await entry.getByLabel('Valor').fill('10,00');
  await entry.getByLabel('Descrição').fill('Livraria');
  await entry.getByLabel('Data').fill(displayDay(longAgo));
  await entry.getByRole('button', { name: 'Salvar' }).click();
  await expect(entry).toBeHidden();

  const past = page.getByRole('region', { name: 'Faturas anteriores' });
  const more = page.getByRole('button', { name: 'Ver faturas anteriores' });
  await expect(past.locator(`[data-bill="${days.closed}"]`)).toBeVisible();
  await expect(more).toBeVisible();
  // The purchase's own bill is among the older ones, not on the first page.
  const purchaseBill = past.locator('[data-bill]', { hasText: 'Livraria' });
  await expect(past.locator('[data-bill]').first()).toBeVisible();
  await expect(purchaseBill).toHaveCount(0);
  const firstPage = await past.locator('[data-bill]').count();
  await more.click();
  await expect(more).toBeHidden();
  await expect(past.locator('[data-bill]')).not.toHaveCount(firstPage);
  const oldest = past.locator('[data-bill]').last();
  await oldest.getByRole('button').first().click();
  await expect(purchaseBill).toHaveCount(1);
  expect([monthOf(longAgo), firstBill]).toContain(await oldest.getAttribute('data-bill'));
});
