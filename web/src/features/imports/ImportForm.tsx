import { Button, FileInput, Select, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { activeAccounts, useAccounts } from '../ledger/queries';
import { type ImportPreview, uploadStatement } from './api';
import { noteImportsError } from './availability';
import { ImportProblem } from './ImportProblem';

/** The CSV presets the server reads (src/modules/imports/readers), by their ids. */
export const CSV_PRESET_IDS = [
  'nubank_conta',
  'nubank_cartao',
  'inter',
  'itau',
  'bradesco',
  'banco_do_brasil',
  'caixa',
  'santander',
  'c6',
  'mercado_pago',
  'vai_de_pix',
] as const;

/** The names banks go by; the same in every language. */
const PRESET_LABELS: Record<(typeof CSV_PRESET_IDS)[number], string> = {
  nubank_conta: 'Nubank (conta)',
  nubank_cartao: 'Nubank (cartão)',
  inter: 'Inter',
  itau: 'Itaú',
  bradesco: 'Bradesco',
  banco_do_brasil: 'Banco do Brasil',
  caixa: 'Caixa',
  santander: 'Santander',
  c6: 'C6 Bank',
  mercado_pago: 'Mercado Pago',
  vai_de_pix: 'Vai de Pix',
};

/** Step one: the account, the file and (for a CSV) the bank; the answer is the preview. */
export function ImportForm({ onPreview }: { onPreview: (preview: ImportPreview) => void }) {
  const { t } = useTranslation();
  const accounts = activeAccounts(useAccounts().data);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preset, setPreset] = useState<string | null>(null);
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
          data={CSV_PRESET_IDS.map((id) => ({ value: id, label: PRESET_LABELS[id] }))}
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
