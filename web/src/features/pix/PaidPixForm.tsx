import { Badge, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { type Account, DESCRIPTION_LENGTH_MAX } from '../../api/ledger';
import { DateField } from '../../components/DateField';
import { Money } from '../../components/Money';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatPixKey } from '../../lib/documents';
import { formatBrl, formatBrlInput } from '../../lib/money';
import { FROZEN_FIELDSET_STYLE, OverspendQuestion, useOverspendConfirm } from '../accounts/useOverspendConfirm';
import { useLedgerLabels } from '../ledger/labels';
import { activeAccounts, invalidateMoney, useAccounts, useCategories } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';
import { type PixDecoded, recordPixPayment } from './api';
import { PIX_KEYS } from './queries';

const FIELDS_BY_API_NAME = {
  amount_cents: 'amount',
  description: 'description',
  category_id: 'categoryId',
  account_id: 'accountId',
  occurred_on: 'date',
} as const;

interface PaidPixFormProps {
  payload: string;
  decoded: PixDecoded;
  onDone: () => void;
}

interface PaidPixValues {
  amount: string;
  description: string;
  categoryId: string | null;
  accountId: string | null;
  date: string;
}

/** The expense prefilled from the code; the accounts may arrive after the form opens, so the first is chosen then. */
function usePaidPixForm({ code, suggestion }: PixDecoded) {
  const accounts = activeAccounts(useAccounts().data);
  const form = useForm<PaidPixValues>({
    initialValues: {
      amount: code.amount_cents === null ? '' : formatBrlInput(code.amount_cents),
      description: suggestion.description.slice(0, DESCRIPTION_LENGTH_MAX),
      categoryId: suggestion.category_id,
      accountId: accounts[0]?.id ?? null,
      date: isoToDisplay(todayIso()),
    },
    validate: {
      amount: (value) => validateAmount(value),
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: true }),
      accountId: validateChoice,
      date: validateDate,
    },
  });

  const firstAccountId = accounts[0]?.id;
  const noAccountChosen = form.values.accountId === null;
  useEffect(() => {
    if (noAccountChosen && firstAccountId) form.setFieldValue('accountId', firstAccountId);
  }, [noAccountChosen, firstAccountId, form.setFieldValue]);
  return { form, accounts };
}

/**
 * Records the paid Pix as an expense with the opening's Idempotency-Key, asking first when
 * it would take the account below its floor (ledger_v2).
 */
function useSubmitPaidPix(
  form: UseFormReturnType<PaidPixValues>,
  { payload, accounts, onDone }: { payload: string; accounts: readonly Account[]; onDone: () => void },
) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: recordPixPayment,
    // The payee now has one more expense: a cached reading of any code may suggest another category.
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: PIX_KEYS.decode });
      return invalidateMoney(queryClient);
    },
  });
  const overspend = useOverspendConfirm(mutation);

  const submit = form.onSubmit((values) => {
    const cents = amountCents(values.amount);
    const date = displayToIso(values.date);
    overspend.submit(
      {
        account_id: values.accountId ?? '',
        payload,
        amount_cents: cents,
        description: values.description.trim(),
        category_id: values.categoryId,
        ...(date.ok ? { occurred_on: date.iso } : {}),
      },
      { account: accounts.find((account) => account.id === values.accountId), expense: true },
      {
        onSuccess: () => {
          notifications.show({ color: 'brand', message: t('pix.paid.done', { amount: formatBrl(cents) }) });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return { mutation, submit, overspend };
}

/** What the code says: the receiver, the city, the amount, the key and the transaction id. */
function PixCodePreview({ code }: { code: PixDecoded['code'] }) {
  const { t } = useTranslation();
  return (
    <Stack
      gap={6}
      data-testid="pix-preview"
      p="md"
      bg="var(--app-background)"
      style={{ borderRadius: 'var(--mantine-radius-md)' }}
    >
      <Group justify="space-between" gap="xs">
        <Title order={2} fz="lg" style={{ overflowWrap: 'anywhere' }}>
          {t('pix.paid.previewTitle', { name: code.name })}
        </Title>
        <Badge variant="light">{code.type === 'dynamic' ? t('pix.paid.kindDynamic') : t('pix.paid.kindStatic')}</Badge>
      </Group>
      <SimpleGrid cols={2} spacing="xs" verticalSpacing={4}>
        <Text size="sm" c="dimmed">
          {t('pix.paid.city')}
        </Text>
        <Text size="sm">{code.city}</Text>
        <Text size="sm" c="dimmed">
          {t('pix.paid.amount')}
        </Text>
        {code.amount_cents === null ? <Text size="sm">—</Text> : <Money cents={code.amount_cents} size="sm" fw={700} />}
        {code.key ? (
          <>
            <Text size="sm" c="dimmed">
              {t('pix.paid.key')}
            </Text>
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {formatPixKey(code.key, code.key_type)}
            </Text>
          </>
        ) : null}
        {code.txid ? (
          <>
            <Text size="sm" c="dimmed">
              {t('pix.paid.txid')}
            </Text>
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {code.txid}
            </Text>
          </>
        ) : null}
      </SimpleGrid>
    </Stack>
  );
}

/** What the code says, and the expense prefilled from it. Mounted fresh per pasted code. */
export function PaidPixForm({ payload, decoded, onDone }: PaidPixFormProps) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const categories = useCategories().data ?? [];
  const { code, suggestion } = decoded;
  const { form, accounts } = usePaidPixForm(decoded);
  const { mutation, submit, overspend } = useSubmitPaidPix(form, { payload, accounts, onDone });

  const categoryOptions = categories
    .filter((category) => category.kind === 'expense' && !category.archived)
    .map((category) => ({ value: category.id, label: labels.category(category) }));

  return (
    <Stack gap="md">
      <PixCodePreview code={code} />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {/* While the person is asked whether to go negative, the figures asked about stay as they are. */}
          <fieldset disabled={overspend.overspend !== null} style={FROZEN_FIELDSET_STYLE}>
            <Stack gap="md">
              <MoneyInput
                {...form.getInputProps('amount')}
                error={errorText(form.errors.amount)}
                label={t('transactions.form.amount')}
                description={code.amount_cents === null ? t('pix.paid.noAmount') : undefined}
                required
                withAsterisk={false}
              />
              <TextInput
                {...form.getInputProps('description')}
                error={errorText(form.errors.description)}
                label={t('transactions.form.description')}
                maxLength={DESCRIPTION_LENGTH_MAX}
              />
              <Select
                {...form.getInputProps('categoryId')}
                error={errorText(form.errors.categoryId)}
                label={t('transactions.form.category')}
                description={
                  suggestion.category_id && form.values.categoryId === suggestion.category_id ? t('pix.paid.guessed') : undefined
                }
                placeholder={t('categories.none')}
                data={categoryOptions}
                clearable
                searchable
                nothingFoundMessage={t('categories.none')}
                comboboxProps={{ withinPortal: true }}
              />
              <Select
                {...form.getInputProps('accountId')}
                error={errorText(form.errors.accountId)}
                label={t('transactions.form.account')}
                data={accounts.map((account) => ({ value: account.id, label: account.name }))}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true }}
              />
              <DateField
                {...form.getInputProps('date')}
                onChange={(value) => form.setFieldValue('date', value)}
                error={errorText(form.errors.date)}
                label={t('transactions.form.date')}
                required
                withAsterisk={false}
              />
            </Stack>
          </fieldset>
          <ProblemAlert error={mutation.error} />
          {overspend.overspend ? (
            <OverspendQuestion
              overspend={overspend.overspend}
              pending={mutation.isPending}
              onConfirm={overspend.confirm}
              onCancel={overspend.cancel}
            />
          ) : (
            <Button type="submit" fullWidth loading={mutation.isPending}>
              {t('pix.paid.submit')}
            </Button>
          )}
        </Stack>
      </form>
    </Stack>
  );
}
