import { isoToDisplay } from '../../lib/dates';
import { formatBrlInText } from '../../lib/money';
import { isMonth } from '../../lib/months';
import type { AppNotification } from './api';

type CategoryLabel = (category: { name: string; system_key: string | null }) => string;

/** "dezembro" / "December": the month alone, the way a sentence names it. */
function monthName(month: string, language: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  const date = new Date(Date.UTC(year ?? 2000, (monthNumber ?? 1) - 1, 15, 12));
  return new Intl.DateTimeFormat(language, { month: 'long', timeZone: 'UTC' }).format(date);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The figures of a budget alert, ready for its sentence ("Você já gastou 80 % do orçamento
 * de Alimentação em dezembro"), from what the server stored. A category keeps the name the
 * person gave it; a default one is translated.
 */
export function budgetAlertValues(
  params: AppNotification['params'],
  options: { language: string; categoryLabel: CategoryLabel },
): { threshold: number; category: string; month: string } {
  const month = text(params.month);
  return {
    threshold: typeof params.threshold === 'number' ? params.threshold : 0,
    category: options.categoryLabel({ name: text(params.category_name) ?? '', system_key: text(params.category_system_key) }),
    month: month && isMonth(month) ? monthName(month, options.language) : '',
  };
}

function cents(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** "23/11" / "11/23": the day a week starts, in the reader's order of day and month. */
function dayAndMonth(day: string, language: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 12));
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match[3])) return null;
  return new Intl.DateTimeFormat(language, { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(date);
}

/**
 * The figures of a weekly summary for its sentence ("Semana de 23/11: gastos R$ 1.234,56,
 * receitas R$ 2.000,00"), from what the job stored (src/jobs/weekly-summary.ts); null when
 * they are missing or malformed, and the bell then says only that the summary is ready.
 */
export function weeklySummaryValues(
  params: AppNotification['params'],
  options: { language: string },
): { week: string; spent: string; income: string } | null {
  const week = dayAndMonth(text(params.from_day) ?? '', options.language);
  const spent = cents(params.spent_cents);
  const income = cents(params.income_cents);
  if (week === null || spent === null || income === null) return null;
  return { week, spent: formatBrlInText(spent), income: formatBrlInText(income) };
}

/**
 * A recurring bill that could not be posted on its day, for its sentence ("Não foi possível
 * lançar \"Feira\" de 15/06/2026 (R$ 50,00)"), and the failure's code for the reason; null
 * when what the server stored is malformed, and the bell then says only that one failed.
 */
export function recurringFailedValues(
  params: AppNotification['params'],
): { description: string; date: string; amount: string; code: string } | null {
  const description = text(params.description);
  const day = text(params.occurs_on);
  const amount = cents(params.amount_cents);
  if (description === null || day === null || !/^\d{4}-\d{2}-\d{2}$/.test(day) || amount === null) return null;
  return { description, date: isoToDisplay(day), amount: formatBrlInText(amount), code: text(params.failure_code) ?? '' };
}
