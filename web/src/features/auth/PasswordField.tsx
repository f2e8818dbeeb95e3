import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { EyeIcon, EyeOffIcon } from '../../components/icons';

/** Mantine's PasswordInput with a translated visibility toggle and `aria-invalid`. */
export function PasswordField(props: PasswordInputProps) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      {...props}
      // Mantine marks the inner input only with data-invalid; assistive tech needs this.
      aria-invalid={props.error ? true : undefined}
      visibilityToggleIcon={({ reveal }) => (reveal ? <EyeOffIcon size={18} /> : <EyeIcon size={18} />)}
      visibilityToggleButtonProps={{ 'aria-label': t('auth.fields.showPassword') }}
    />
  );
}
