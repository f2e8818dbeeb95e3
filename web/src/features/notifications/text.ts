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
