import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A tap target this tall on a phone (WCAG 2.5.5). */
const TAP_TARGET_PX = 44;

/**
 * "Mostrar excluídos/corrigidos": deleted (reversed) and corrected transactions, and
 * their reversals, are hidden from the lists until this is on.
 */
export function ShowReversedToggle({ value, onChange }: { value: boolean; onChange: (value: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <Button
      variant={value ? 'light' : 'default'}
      size="sm"
      mih={TAP_TARGET_PX}
      aria-pressed={value}
      onClick={() => onChange(!value)}
    >
      {t('transactions.filters.showReversed')}
    </Button>
  );
}
