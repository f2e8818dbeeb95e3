import { useTranslation } from 'react-i18next';
import { ptBR } from '../../i18n/locales/pt-BR';
import type { BrCodeError } from './api';

type FieldKey = keyof typeof ptBR.pix.codeFields;

function fieldKey(id: string): FieldKey | null {
  const key = `f${id.replaceAll('.', '_')}`;
  return Object.hasOwn(ptBR.pix.codeFields, key) ? (key as FieldKey) : null;
}

/** Each BR Code error in plain words, in the person's language, without repeats. */
export function useExplainCodeErrors(): (errors: readonly BrCodeError[]) => string[] {
  const { t } = useTranslation();
  return (errors) => {
    const texts = errors.map((error) => {
      const key = error.id === undefined ? null : fieldKey(error.id);
      const field = key ? t(`pix.codeFields.${key}`) : t('pix.codeFields.other', { id: error.id ?? '?' });
      return t(`pix.codeErrors.${error.code}`, { field });
    });
    return [...new Set(texts)];
  };
}
