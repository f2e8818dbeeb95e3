import { TextInput, type TextInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { maskDateText } from '../lib/dates';

interface DateFieldProps extends Omit<TextInputProps, 'value' | 'onChange'> {
  value?: string;
  onChange: (value: string) => void;
}

/** A dd/mm/aaaa text field: digits only, the slashes are added while typing. */
export function DateField({ value = '', onChange, ...rest }: DateFieldProps) {
  const { t } = useTranslation();
  return (
    <TextInput
      placeholder={t('date.placeholder')}
      {...rest}
      value={value}
      onChange={(event) => onChange(maskDateText(event.currentTarget.value))}
      inputMode="numeric"
      autoComplete="off"
      maxLength={10}
      aria-invalid={rest.error ? true : undefined}
      styles={{ input: { fontVariantNumeric: 'tabular-nums' } }}
    />
  );
}
