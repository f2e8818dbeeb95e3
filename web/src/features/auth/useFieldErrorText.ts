import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ValidationMessageKey } from '../../i18n/problems';
import { PASSWORD_LENGTH_MIN } from './validation';

/**
 * Form errors are stored as translation keys and translated while rendering, so they
 * follow a language switch made while they are on screen.
 */
export function useFieldErrorText(): (error: ReactNode) => string | undefined {
  const { t } = useTranslation();
  return (error) =>
    typeof error === 'string' && error.length > 0 ? t(error as ValidationMessageKey, { min: PASSWORD_LENGTH_MIN }) : undefined;
}
