import { Alert, Anchor, Button, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePageTitle } from '../../components/usePageTitle';
import { formatBrl } from '../../lib/money';
import { accountPath } from '../accounts/AccountRow';
import type { ImportConfirmed, ImportPreview } from './api';
import { useImportsDisabled } from './availability';
import { ImportForm } from './ImportForm';
import { ImportHistory } from './ImportHistory';
import { ImportPreviewPanel } from './ImportPreviewPanel';

function ImportResult({ result, onAgain }: { result: ImportConfirmed; onAgain: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="green" variant="light" title={t('imports.resultTitle')} role="status">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{t('imports.result', { posted: result.posted_count, duplicates: result.duplicate_count })}</Text>
        <Text size="sm">{t('imports.balance', { balance: formatBrl(result.account.balance_cents) })}</Text>
        <Anchor component={Link} to={accountPath(result.account.id)}>
          {t('imports.openAccount')}
        </Anchor>
        <Button variant="default" onClick={onAgain}>
          {t('imports.another')}
        </Button>
      </Stack>
    </Alert>
  );
}

/** Statement import: upload, preview, confirm, and the list of past imports. */
export function ImportsPage() {
  const { t } = useTranslation();
  usePageTitle(t('imports.title'));
  const disabled = useImportsDisabled();
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [result, setResult] = useState<ImportConfirmed | null>(null);
  const again = () => {
    setPreview(null);
    setResult(null);
  };
  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('imports.title')}
      </Title>
      {disabled ? (
        <Alert color="gray" variant="light" role="status">
          {t('imports.disabled')}
        </Alert>
      ) : (
        <>
          <Text c="dimmed">{t('imports.intro')}</Text>
          {result ? (
            <ImportResult result={result} onAgain={again} />
          ) : preview ? (
            <ImportPreviewPanel preview={preview} onDone={setResult} onDiscard={again} />
          ) : (
            <ImportForm onPreview={setPreview} />
          )}
          <ImportHistory />
        </>
      )}
    </Stack>
  );
}
