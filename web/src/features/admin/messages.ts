import { useTranslation } from 'react-i18next';
import { enOperations } from '../../i18n/locales/en';
import { type OperationsMessages, ptBROperations } from '../../i18n/locales/pt-BR';

/** The operator page's words in the language shown (see ptBROperations for why not t()). */
export function useOperationsMessages(): OperationsMessages {
  const { i18n } = useTranslation();
  return i18n.resolvedLanguage === 'en' ? enOperations : ptBROperations;
}

/** "Itens: {{count}}" with { count: 3 } → "Itens: 3", as i18next interpolates. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
