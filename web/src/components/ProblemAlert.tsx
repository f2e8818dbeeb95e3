import { Alert, Button, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isApiError, problemInteger } from '../api/problem';
import { errorMessageKey } from '../i18n/problems';
import { formatBrl } from '../lib/money';
import { AlertIcon } from './icons';

interface ProblemAlertProps {
  error: unknown;
  /** Offered on a stale edit (409 row_version_conflict): load what the server has now. */
  onReloadCurrent?: () => void;
  /** Whether something failed to save (the default) or to load. */
  context?: 'write' | 'load';
}

/** The form-level message for a failed write, by the problem's `code`, in the person's language. */
export function ProblemAlert({ error, onReloadCurrent, context = 'write' }: ProblemAlertProps) {
  const { t } = useTranslation();
  if (!error) return null;

  if (onReloadCurrent && isApiError(error) && error.code === 'row_version_conflict') {
    return (
      <Alert color="orange" variant="light" icon={<AlertIcon />} role="alert" title={t('conflict.title')}>
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{t('conflict.text')}</Text>
          <Button size="xs" variant="white" color="orange" onClick={onReloadCurrent}>
            {t('conflict.reload')}
          </Button>
        </Stack>
      </Alert>
    );
  }

  const availableCents =
    isApiError(error) && error.code === 'insufficient_funds' ? problemInteger(error, 'available_cents') : undefined;
  return (
    <Alert
      color="red"
      variant="light"
      icon={<AlertIcon />}
      role="alert"
      title={context === 'load' ? t('errors.loadFailedTitle') : t('errors.title')}
    >
      <Text size="sm">{t(errorMessageKey(error))}</Text>
      {availableCents !== undefined ? (
        <Text size="sm" fw={600} mt={4}>
          {t('errors.available', { amount: formatBrl(availableCents) })}
        </Text>
      ) : null}
    </Alert>
  );
}
