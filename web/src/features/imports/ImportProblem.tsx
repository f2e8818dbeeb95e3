import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isApiError, problemInteger } from '../../api/problem';
import { AlertIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';

/** The import's own refusals in words; anything else as every form shows it. */
export function ImportProblem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const code = isApiError(error) ? error.code : undefined;
  let message: string | undefined;
  if (code === 'import_unreadable') {
    const line = problemInteger(error, 'line');
    message = line === undefined ? t('imports.errors.unreadable') : t('imports.errors.unreadableLine', { line });
  } else if (code === 'import_too_large') {
    message = t('imports.errors.tooLarge');
  } else if (code === 'import_already_posted') {
    message = t('imports.errors.alreadyPosted');
  } else if (code === 'import_undone') {
    message = t('imports.errors.undone');
  } else if (code === 'import_expired') {
    message = t('imports.errors.expired');
  }
  if (message === undefined) return <ProblemAlert error={error} />;
  return (
    <Alert color="red" variant="light" icon={<AlertIcon />} role="alert">
      {message}
    </Alert>
  );
}
