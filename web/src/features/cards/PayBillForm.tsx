import { Button, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { type Account, createTransfer } from '../../api/ledger';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { formatBrl } from '../../lib/money';
import { activeAccounts, invalidateMoney, useAccounts } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice } from '../ledger/validation';
import type { Bill } from './api';
import { useBillName } from './BillView';
import { payableCents } from './bills';

interface PayValues {
  fromAccountId: string | null;
  mode: 'full' | 'partial';
  amount: string;
}

const FIELDS_BY_API_NAME = { from_account_id: 'fromAccountId', amount_cents: 'amount' } as const;

/** Bills are paid from the money a person holds: checking and savings accounts. */
function paysBills(account: Account): boolean {
  return account.type === 'checking' || account.type === 'savings';
}

/**
 * "Pagar fatura": a transfer from a checking or savings account to the card naming the
 * bill (bill_id), of what the bill still owes or of a part of it (the rest rolls to the
 * next bill as saldo anterior). Mounted fresh per opening: one Idempotency-Key per opening.
 */
export function PayBillForm({ card, bill, onDone }: { card: Account; bill: Bill; onDone: () => void }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const billName = useBillName();
  const queryClient = useQueryClient();
  const sources = activeAccounts(useAccounts().data).filter(paysBills);
  const owed = payableCents(bill);
  const form = useForm<PayValues>({
    initialValues: { fromAccountId: sources[0]?.id ?? null, mode: 'full', amount: '' },
    validate: {
      fromAccountId: validateChoice,
      amount: (value, values) => (values.mode === 'partial' ? validateAmount(value) : null),
    },
  });
  const mutation = useIdempotentMutation({ mutationFn: createTransfer, onSuccess: () => invalidateMoney(queryClient) });

  const submit = form.onSubmit((values) => {
    const cents = values.mode === 'full' ? owed : amountCents(values.amount);
    mutation.submit(
      {
        from_account_id: values.fromAccountId ?? '',
        to_account_id: card.id,
        amount_cents: cents,
        bill_id: bill.id,
        description: t('cards.pay.description', { month: billName(bill) }),
      },
      {
        onSuccess: () => {
          notifications.show({ color: 'brand', message: t('cards.pay.done', { amount: formatBrl(cents) }) });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });

  if (sources.length === 0) return <Text c="dimmed">{t('cards.pay.noSource')}</Text>;
  if (owed === 0) return <Text c="dimmed">{t('cards.pay.nothingOwed')}</Text>;
  const submitCents = form.values.mode === 'full' ? owed : amountCents(form.values.amount);

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Select
          {...form.getInputProps('fromAccountId')}
          error={errorText(form.errors.fromAccountId)}
          label={t('cards.pay.from')}
          data={sources.map((account) => ({ value: account.id, label: `${account.name} (${formatBrl(account.balance_cents)})` }))}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <SegmentedControl
          aria-label={t('cards.pay.amount')}
          fullWidth
          value={form.values.mode}
          onChange={(value) => form.setFieldValue('mode', value === 'partial' ? 'partial' : 'full')}
          data={[
            { value: 'full', label: `${t('cards.pay.full')} · ${formatBrl(owed)}` },
            { value: 'partial', label: t('cards.pay.partial') },
          ]}
          styles={{ label: { whiteSpace: 'normal' } }}
        />
        {form.values.mode === 'partial' ? (
          <MoneyInput
            {...form.getInputProps('amount')}
            error={errorText(form.errors.amount)}
            label={t('cards.pay.amount')}
            description={t('cards.pay.partialHint')}
            data-autofocus
          />
        ) : null}
        <ProblemAlert error={mutation.error} />
        <Button type="submit" fullWidth loading={mutation.isPending}>
          {submitCents > 0 ? t('cards.pay.submit', { amount: formatBrl(submitCents) }) : t('cards.pay.action')}
        </Button>
      </Stack>
    </form>
  );
}
