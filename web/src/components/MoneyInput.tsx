import { TextInput, type TextInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * Amounts are typed the Brazilian way ("1.234,56") into a text input: a number input
 * would read the dot as a decimal point. inputMode brings up the phone's number pad.
 */
export function MoneyInput(props: TextInputProps) {
  const { t } = useTranslation();
  return (
    <TextInput
      placeholder={t('money.placeholder')}
      {...props}
      inputMode="decimal"
      autoComplete="off"
      aria-invalid={props.error ? true : undefined}
      leftSection={<span aria-hidden="true">R$</span>}
      styles={{ input: { fontVariantNumeric: 'tabular-nums' } }}
    />
  );
}
