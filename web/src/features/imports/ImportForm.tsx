import { Button, FileInput, Select, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { activeAccounts, useAccounts } from '../ledger/queries';
import { type ImportPreview, uploadStatement } from './api';
import { noteImportsError } from './availability';
import { ImportProblem } from './ImportProblem';
import { usePresets } from './queries';

/** Step one: the account, the file and (for a CSV) the bank; the answer is the preview. */
export function ImportForm({ onPreview }: { onPreview: (preview: ImportPreview) => void }) {
  const { t } = useTranslation();
  const accounts = activeAccounts(useAccounts().data);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preset, setPreset] = useState<string | null>(null);
  const presets = usePresets().data?.items ?? [];
  const chosenAccount = accountId ?? accounts[0]?.id ?? null;
  const upload = useMutation({
    mutationFn: uploadStatement,
    onSuccess: onPreview,
    onError: noteImportsError,
  });
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!chosenAccount || !file || upload.isPending) return;
    upload.mutate({ accountId: chosenAccount, file, preset });
  };
  return (
    <form onSubmit={submit} aria-label={t('imports.title')}>
      <Stack gap="md" maw={520}>
        <Select
          label={t('imports.account')}
          placeholder={t('imports.accountPlaceholder')}
          data={accounts.map((account) => ({ value: account.id, label: account.name }))}
          value={chosenAccount}
          onChange={setAccountId}
          allowDeselect={false}
          required
        />
        <FileInput
          label={t('imports.file')}
          placeholder={t('imports.filePlaceholder')}
          description={t('imports.fileHint')}
          accept=".ofx,.qfx,.csv,.txt,text/csv,application/x-ofx"
          value={file}
          onChange={setFile}
          clearable
          required
        />
        <Select
          label={t('imports.preset')}
          description={t('imports.presetHint')}
          placeholder={t('imports.presetNone')}
          data={presets.map((item) => ({ value: item.id, label: item.label }))}
          value={preset}
          onChange={setPreset}
          clearable
        />
        <ImportProblem error={upload.error} />
        <Button type="submit" loading={upload.isPending} disabled={!chosenAccount || !file}>
          {upload.isPending ? t('imports.reading') : t('imports.read')}
        </Button>
      </Stack>
    </form>
  );
}
