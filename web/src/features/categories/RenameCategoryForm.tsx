import { Button, Group, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CATEGORY_NAME_LENGTH_MAX, type Category, patchCategory } from '../../api/ledger';
import { problemRecord } from '../../api/problem';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { useLedgerLabels } from '../ledger/labels';
import { LEDGER_KEYS } from '../ledger/queries';
import { useFormErrorText, validateText } from '../ledger/validation';

function currentCategory(error: unknown, id: string): Category | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as Category;
}

/** Renames a category with the row_version it was read at (a stale one gets 409). */
export function RenameCategoryForm({ category, onDone }: { category: Category; onDone: () => void }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const [rowVersion, setRowVersion] = useState(category.row_version);
  const form = useForm({
    initialValues: { name: labels.category(category) },
    validate: { name: (value: string) => validateText(value, { lengthMax: CATEGORY_NAME_LENGTH_MAX, required: true }) },
  });

  const mutation = useMutation({
    mutationFn: (name: string) => patchCategory(category.id, { name, row_version: rowVersion }),
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('categories.renameForm.done') });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.categories });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { name: 'name' })),
  });

  const reloadCurrent = async () => {
    await queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.categories });
    const fresh = queryClient.getQueryData<Category[]>(LEDGER_KEYS.categories)?.find((item) => item.id === category.id);
    const current = currentCategory(mutation.error, category.id) ?? fresh;
    if (!current) return;
    form.setValues({ name: labels.category(current) });
    setRowVersion(current.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
  };

  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(values.name.trim()))} noValidate>
      <Stack gap="md">
        <TextInput
          {...form.getInputProps('name')}
          error={errorText(form.errors.name)}
          label={t('categories.fields.name')}
          maxLength={CATEGORY_NAME_LENGTH_MAX}
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
