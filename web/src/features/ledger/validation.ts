import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Messages } from '../../i18n/locales/pt-BR';
import type { ValidationMessageKey } from '../../i18n/problems';
import { displayToIso } from '../../lib/dates';
import { parseBrl } from '../../lib/money';

/** Form errors are kept as translation keys and translated while rendering. */
export type FormMessageKey =
  | ValidationMessageKey
  | `money.validation.${keyof Messages['money']['validation']}`
  | `date.validation.${keyof Messages['date']['validation']}`
  | 'forms.required'
  | 'forms.choose'
  | 'forms.tooLong'
  | 'transfer.sameAccount'
  | `accounts.validation.${keyof Messages['accounts']['validation']}`;

export function validateAmount(
  text: string,
  { allowNegative = false, optional = false }: { allowNegative?: boolean; optional?: boolean } = {},
): FormMessageKey | null {
  const parsed = parseBrl(text);
  if (!parsed.ok) return parsed.reason === 'empty' && optional ? null : `money.validation.${parsed.reason}`;
  if (allowNegative) return null;
  return parsed.cents > 0 ? null : 'money.validation.not_positive';
}

/** Centavos from an amount field that validateAmount accepted (0 when left empty). */
export function amountCents(text: string): number {
  const parsed = parseBrl(text);
  return parsed.ok ? parsed.cents : 0;
}

export function validateDate(text: string): FormMessageKey | null {
  const parsed = displayToIso(text);
  return parsed.ok ? null : `date.validation.${parsed.reason}`;
}

export function validateText(
  text: string,
  { lengthMax, required }: { lengthMax: number; required: boolean },
): FormMessageKey | null {
  const trimmed = text.trim();
  if (required && trimmed.length === 0) return 'forms.required';
  return trimmed.length > lengthMax ? 'forms.tooLong' : null;
}

export function validateChoice(value: string | null): FormMessageKey | null {
  return value ? null : 'forms.choose';
}

/** Translates a stored error key; anything that is not a key is shown as is. */
export function useFormErrorText(): (error: ReactNode) => ReactNode {
  const { t } = useTranslation();
  return (error) => (typeof error === 'string' && error.length > 0 ? t(error as FormMessageKey) : error || undefined);
}
