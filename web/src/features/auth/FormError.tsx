import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AlertIcon } from '../../components/icons';
import { errorMessageKey } from '../../i18n/problems';

/** The form-level message for a failed submit, in the person's language. */
export function FormError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" variant="light" icon={<AlertIcon />} role="alert" title={t('errors.title')}>
      {t(errorMessageKey(error))}
    </Alert>
  );
}
