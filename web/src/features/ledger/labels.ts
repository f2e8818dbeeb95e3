import { useTranslation } from 'react-i18next';
import type { AccountType, Category } from '../../api/ledger';
import { ptBR } from '../../i18n/locales/pt-BR';

type SystemKey = keyof typeof ptBR.categories.system;
type KindKey = keyof typeof ptBR.transactionKinds;

function isSystemKey(value: string | null): value is SystemKey {
  return value !== null && Object.hasOwn(ptBR.categories.system, value);
}

function isKindKey(value: string): value is KindKey {
  return Object.hasOwn(ptBR.transactionKinds, value);
}

/**
 * Names shown for ledger things in the person's language. A default category (one with a
 * `system_key`) is translated while it still has its default pt-BR name; once the person
 * renames it, their name is shown as typed, in every language.
 */
export function useLedgerLabels() {
  const { t } = useTranslation();
  return {
    accountType: (type: AccountType) => t(`accountTypes.${type}`),
    kind: (kind: string) => (isKindKey(kind) ? t(`transactionKinds.${kind}`) : kind),
    category: (category: Pick<Category, 'name' | 'system_key'>) =>
      isSystemKey(category.system_key) && category.name === ptBR.categories.system[category.system_key]
        ? t(`categories.system.${category.system_key}`)
        : category.name,
  };
}
