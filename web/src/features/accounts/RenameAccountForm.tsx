import { Button, Group, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ACCOUNT_NAME_LENGTH_MAX, type Account, getAccount, patchAccount } from '../../api/ledger';
import { problemRecord } from '../../api/problem';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { LEDGER_KEYS } from '../ledger/queries';
import { useFormErrorText, validateText } from '../ledger/validation';

function currentAccount(error: unknown, id: string): Account | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as Account;
}

/** Renames an account, sending the row_version it was read at (a stale one gets 409). */
export function RenameAccountForm({ account, onDone }: { account: Account; onDone: () => void }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const [rowVersion, setRowVersion] = useState(account.row_version);
  const form = useForm({
    initialValues: { name: account.name },
    validate: { name: (value: string) => validateText(value, { lengthMax: ACCOUNT_NAME_LENGTH_MAX, required: true }) },
  });

  const mutation = useMutation({
    mutationFn: (name: string) => patchAccount(account.id, { name, row_version: rowVersion }),
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('accounts.renameForm.done') });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { name: 'name' })),
  });

  const reloadCurrent = async () => {
    const current = currentAccount(mutation.error, account.id) ?? (await getAccount(account.id).catch(() => undefined));
    if (!current) return;
    form.setValues({ name: current.name });
    setRowVersion(current.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts });
  };

  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(values.name.trim()))} noValidate>
      <Stack gap="md">
        <TextInput
          {...form.getInputProps('name')}
          error={errorText(form.errors.name)}
          label={t('accounts.fields.name')}
          maxLength={ACCOUNT_NAME_LENGTH_MAX}
          data-autofocus
          required
          withAsterisk={false}
        />
        <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
        <Group justify="flex-end">
          <Button type="submit" loading={mutation.isPending}>
            {t('forms.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
