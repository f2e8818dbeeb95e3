import { formatBrl } from '../../lib/money.js';
import type { NotificationKind } from './notify.js';

export type EmailLanguage = 'pt-BR' | 'en';
type Params = Record<string, unknown>;

export interface EmailInput {
  kind: NotificationKind;
  params: Params;
  /** The app path the notification is about. */
  link: string;
  language: EmailLanguage;
  name: string;
  appUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A person with no saved language reads Portuguese, the app's first language. */
export function emailLanguage(saved: string | null): EmailLanguage {
  return saved === 'en' ? 'en' : 'pt-BR';
}

const WORDS = {
  'pt-BR': {
    greeting: (name: string) => `Olá, ${name}!`,
    open: 'Abrir o Vai de Pix',
    unsubscribe: 'Não quer mais receber este tipo de e-mail? Cancele aqui:',
    unsubscribeLink: 'Cancelar estes e-mails',
    weeklySubject: (week: string) => `Seu resumo da semana ${week}`,
    weeklyIntro: (from: string, to: string) => `Sua semana de ${from} a ${to}:`,
    spent: 'Gastos',
    income: 'Receitas',
    budgets: (spent: string, limit: string, over: number) =>
      `Orçamentos do mês: ${spent} de ${limit}${over > 0 ? ` (${over} estourado${over > 1 ? 's' : ''})` : ''}`,
    noBudgets: 'Nenhum orçamento neste mês.',
    bills: (count: number, total: string) => `Contas da próxima semana: ${count} (${total})`,
    nextBill: (description: string, day: string, amount: string) => `Próxima: ${description} em ${day}, ${amount}`,
    noBills: 'Nenhuma conta prevista para a próxima semana.',
    alertSubject: (threshold: string, category: string) => `Você atingiu ${threshold} % do orçamento de ${category}`,
    alertBody: (threshold: string, category: string, month: string) =>
      `Seus gastos em ${category} chegaram a ${threshold} % do orçamento de ${month}.`,
    alertFigures: (spent: string, limit: string) => `Gasto: ${spent} de ${limit}.`,
    aCategory: 'uma categoria',
    failedSubject: (description: string) => `Não foi possível lançar "${description}"`,
    failedBody: (description: string, day: string, amount: string, reason: string) =>
      `A recorrência "${description}" de ${day} (${amount}) não foi lançada: ${reason}.`,
    failedNext: 'Quando quiser, abra Recorrentes e use "Lançar agora" para lançá-la na data dela.',
    reasons: {
      insufficient_funds: 'saldo insuficiente na conta',
      account_archived: 'a conta está arquivada',
      other: 'o lançamento foi recusado',
    },
  },
  en: {
    greeting: (name: string) => `Hello, ${name}!`,
    open: 'Open Vai de Pix',
    unsubscribe: "Don't want this kind of e-mail any more? Unsubscribe here:",
    unsubscribeLink: 'Unsubscribe from these e-mails',
    weeklySubject: (week: string) => `Your summary of week ${week}`,
    weeklyIntro: (from: string, to: string) => `Your week from ${from} to ${to}:`,
    spent: 'Spending',
    income: 'Income',
    budgets: (spent: string, limit: string, over: number) =>
      `This month's budgets: ${spent} of ${limit}${over > 0 ? ` (${over} over the limit)` : ''}`,
    noBudgets: 'No budgets this month.',
    bills: (count: number, total: string) => `Bills next week: ${count} (${total})`,
    nextBill: (description: string, day: string, amount: string) => `Next: ${description} on ${day}, ${amount}`,
    noBills: 'No bills expected next week.',
    alertSubject: (threshold: string, category: string) => `You reached ${threshold}% of your ${category} budget`,
    alertBody: (threshold: string, category: string, month: string) =>
      `Your spending on ${category} reached ${threshold}% of the ${month} budget.`,
    alertFigures: (spent: string, limit: string) => `Spent: ${spent} of ${limit}.`,
    aCategory: 'a category',
    failedSubject: (description: string) => `"${description}" could not be posted`,
    failedBody: (description: string, day: string, amount: string, reason: string) =>
      `The recurring item "${description}" of ${day} (${amount}) was not posted: ${reason}.`,
    failedNext: 'Whenever you like, open Recurring and use "Post now" to post it on its day.',
    reasons: {
      insufficient_funds: 'not enough balance in the account',
      account_archived: 'the account is archived',
      other: 'the posting was refused',
    },
  },
} as const;

function text(params: Params, key: string, fallback = ''): string {
  const value = params[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

function cents(params: Params, key: string): number {
  const value = params[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
}

/** A YYYY-MM-DD day as the reader writes it: 07/12/2026 or 2026-12-07. */
function day(value: string, language: EmailLanguage): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match || language === 'en') return value;
  return `${match[3]}/${match[2]}/${match[1]}`;
}

function weeklyLines(params: Params, language: EmailLanguage): { subject: string; lines: string[] } {
  const words = WORDS[language];
  const budgetsCount = cents(params, 'budgets_count');
  const billsCount = cents(params, 'bills_count');
  const lines = [
    words.weeklyIntro(day(text(params, 'from_day'), language), day(text(params, 'to_day'), language)),
    `${words.spent}: ${formatBrl(cents(params, 'spent_cents'))}`,
    `${words.income}: ${formatBrl(cents(params, 'income_cents'))}`,
    budgetsCount > 0
      ? words.budgets(
          formatBrl(cents(params, 'budgets_spent_cents')),
          formatBrl(cents(params, 'budgets_limit_cents')),
          cents(params, 'budgets_over_count'),
        )
      : words.noBudgets,
    billsCount > 0 ? words.bills(billsCount, formatBrl(cents(params, 'bills_total_cents'))) : words.noBills,
  ];
  if (billsCount > 0 && text(params, 'next_bill_description') !== '') {
    lines.push(
      words.nextBill(
        text(params, 'next_bill_description'),
        day(text(params, 'next_bill_on'), language),
        formatBrl(cents(params, 'next_bill_cents')),
      ),
    );
  }
  return { subject: words.weeklySubject(text(params, 'week')), lines };
}

function budgetAlertLines(params: Params, language: EmailLanguage): { subject: string; lines: string[] } {
  const words = WORDS[language];
  const category = text(params, 'category_name', words.aCategory);
  const threshold = text(params, 'threshold', '?');
  const lines = [words.alertBody(threshold, category, text(params, 'month'))];
  if (params.limit_cents !== undefined) {
    lines.push(words.alertFigures(formatBrl(cents(params, 'spent_cents')), formatBrl(cents(params, 'limit_cents'))));
  }
  return { subject: words.alertSubject(threshold, category), lines };
}

function recurringFailedLines(params: Params, language: EmailLanguage): { subject: string; lines: string[] } {
  const words = WORDS[language];
  const description = text(params, 'description', '?');
  const code = text(params, 'failure_code');
  const reason = code === 'insufficient_funds' || code === 'account_archived' ? words.reasons[code] : words.reasons.other;
  const body = words.failedBody(
    description,
    day(text(params, 'occurs_on'), language),
    formatBrl(cents(params, 'amount_cents')),
    reason,
  );
  return { subject: words.failedSubject(description), lines: [body, words.failedNext] };
}

const LINES: Record<NotificationKind, (params: Params, language: EmailLanguage) => { subject: string; lines: string[] }> = {
  budget_alert: budgetAlertLines,
  weekly_summary: weeklyLines,
  recurring_failed: recurringFailedLines,
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/**
 * The e-mail for one notification in the reader's language: plain text and the same
 * lines as simple HTML. Params are the notification's figures; anything missing or of
 * the wrong type reads as zero or a neutral word rather than failing the send.
 */
export function renderEmail(input: EmailInput): RenderedEmail {
  const words = WORDS[input.language];
  const { subject, lines } = LINES[input.kind](input.params, input.language);
  const appLink = `${input.appUrl}${input.link}`;
  const text = [
    words.greeting(input.name),
    '',
    ...lines,
    '',
    `${words.open}: ${appLink}`,
    '',
    '--',
    words.unsubscribe,
    input.unsubscribeUrl,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<p>${escapeHtml(words.greeting(input.name))}</p>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(appLink)}">${escapeHtml(words.open)}</a></p>`,
    `<hr><p style="font-size:small">${escapeHtml(words.unsubscribe)} <a href="${escapeHtml(input.unsubscribeUrl)}">${escapeHtml(words.unsubscribeLink)}</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
