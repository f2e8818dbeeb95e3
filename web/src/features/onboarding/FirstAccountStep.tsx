import { Button, Card, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ACCOUNT_NAME_LENGTH_MAX, type Account, type AccountType, createAccount } from '../../api/ledger';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { useLedgerLabels } from '../ledger/labels';
import { invalidateMoney } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateText } from '../ledger/validation';
import { FIRST_ACCOUNT_TYPES } from './firstRun';

interface FirstAccountValues {
  name: string;
  type: AccountType;
  balance: string;
}

const FIELDS_BY_API_NAME = { name: 'name', type: 'type', initial_balance_cents: 'balance' } as const;

function useFirstAccountForm() {
  return useForm<FirstAccountValues>({
    // The name is typed, never pre-filled: the placeholder shows what fits ("Ex.: Nubank").
    initialValues: { name: '', type: 'checking', balance: '' },
    validate: {
      name: (value) => validateText(value, { lengthMax: ACCOUNT_NAME_LENGTH_MAX, required: true }),
      balance: (value) => validateAmount(value, { optional: true }),
    },
  });
}

/**
 * Step 1 of the first-run path, on a newcomer's empty dashboard: the account they use
 * most, and how much is in it today. Then step 2 (FirstExpenseStep) asks for the first expense.
 */
export function FirstAccountStep({ onCreated, onSkip }: { onCreated: (account: Account) => void; onSkip: () => void }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const form = useFirstAccountForm();
  const mutation = useIdempotentMutation({ mutationFn: createAccount, onSuccess: () => invalidateMoney(queryClient) });

  const submit = form.onSubmit((values) => {
    const opening = amountCents(values.balance);
    mutation.submit(
      { name: values.name.trim(), type: values.type, ...(opening !== 0 ? { initial_balance_cents: opening } : {}) },
      {
        onSuccess: (account) => {
          notifications.show({ color: 'brand', message: t('accounts.create.done', { name: account.name }) });
          onCreated(account);
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });

  return (
    <Card withBorder radius="lg" padding="lg" shadow="xs" component="section" aria-labelledby="first-run-account">
      <Stack gap="md" maw={560} mx="auto" w="100%">
        <Stack gap={4}>
          <Text size="sm" c="dimmed" fw={600}>
            {t('onboarding.step', { step: 1, steps: 2 })}
          </Text>
          <Title order={2} fz="xl" id="first-run-account">
            {t('dashboard.emptyTitle')}
          </Title>
          <Text c="dimmed">{t('dashboard.emptyDescription')}</Text>
        </Stack>
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
              <TextInput
                {...form.getInputProps('name')}
                error={errorText(form.errors.name)}
                label={t('accounts.fields.name')}
                placeholder={t('onboarding.accountNamePlaceholder')}
                maxLength={ACCOUNT_NAME_LENGTH_MAX}
                required
                withAsterisk={false}
              />
              <Select
                {...form.getInputProps('type')}
                label={t('accounts.fields.type')}
                data={FIRST_ACCOUNT_TYPES.map((type) => ({ value: type, label: labels.accountType(type) }))}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true }}
              />
            </SimpleGrid>
            <MoneyInput
              {...form.getInputProps('balance')}
              error={errorText(form.errors.balance)}
              label={t('accounts.fields.openingBalance')}
              description={t('onboarding.balanceHint')}
            />
            <ProblemAlert error={mutation.error} />
            <Button type="submit" fullWidth h={44} loading={mutation.isPending}>
              {t('accounts.create.submit')}
            </Button>
          </Stack>
        </form>
        <Group justify="center">
          <Button variant="subtle" color="gray" onClick={onSkip} h={44}>
            {t('onboarding.skip')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
