import { Anchor, Badge, Button, Group, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Transaction } from '../../api/ledger';
import { Money } from '../../components/Money';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { isoToDisplay } from '../../lib/dates';
import { formatBrl } from '../../lib/money';
import { invalidateMoney } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount } from '../ledger/validation';
import { anticipateInstallments, INSTALLMENTS_MAX, type RefundScope, refundPurchase } from './api';
import { useInstallments } from './queries';

/** A card purchase still standing may be refunded (estorno); one in installments may also be paid early. */
export function isCardPurchase(transaction: Transaction, account: Account | undefined): boolean {
  return transaction.kind === 'expense' && account?.type === 'credit_card' && transaction.reversed_by_transaction_id === null;
}

export function isInstallmentPurchase(transaction: Pick<Transaction, 'installment_count'>): boolean {
  return transaction.installment_count !== null && transaction.installment_count > 1;
}

/** A refund names its purchase: "Ver a compra" opens it in the same dialog. */
export function RefundOfLine({ transaction, onOpen }: { transaction: Transaction; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const purchaseId = transaction.refund_of_transaction_id;
  if (transaction.kind !== 'refund' || purchaseId === null) return null;
  return (
    <Anchor component="button" type="button" size="sm" onClick={() => onOpen(purchaseId)}>
      {t('cards.openPurchase')}
    </Anchor>
  );
}

type Action = 'none' | 'refund' | 'anticipate';

/**
 * What a card purchase's dialog adds: its installments and the bill of each, "Estornar"
 * (whole, remaining installments or an amount) and, for installments, "Antecipar parcelas".
 */
export function CardPurchaseActions({ transaction }: { transaction: Transaction }) {
  const { t } = useTranslation();
  const [action, setAction] = useState<Action>('none');
  const installments = isInstallmentPurchase(transaction);
  return (
    <Stack gap="sm">
      {installments ? <InstallmentList transactionId={transaction.id} /> : null}
      {action === 'none' ? (
        <Group gap="sm">
          <Button variant="light" size="sm" mih={44} onClick={() => setAction('refund')}>
            {t('cards.refund.action')}
          </Button>
          {installments ? (
            <Button variant="light" size="sm" mih={44} onClick={() => setAction('anticipate')}>
              {t('cards.anticipate.action')}
            </Button>
          ) : null}
        </Group>
      ) : null}
      {action === 'refund' ? (
        <RefundForm transaction={transaction} installments={installments} onDone={() => setAction('none')} />
      ) : null}
      {action === 'anticipate' ? <AnticipateForm transaction={transaction} onDone={() => setAction('none')} /> : null}
    </Stack>
  );
}

function InstallmentList({ transactionId }: { transactionId: string }) {
  const { t } = useTranslation();
  const installments = useInstallments(transactionId, true);
  if (installments.isError) return <ProblemAlert error={installments.error} context="load" />;
  if (!installments.data) return null;
  return (
    <Stack gap={4} aria-label={t('cards.installmentsList.title')} component="section">
      <Text fw={600} size="sm">
        {t('cards.installmentsList.title')}
      </Text>
      {installments.data.items.map((item) => (
        <Group key={item.number} justify="space-between" wrap="nowrap" gap="sm" data-installment="">
          <Group gap={6} wrap="wrap" style={{ minWidth: 0 }}>
            <Text size="sm">{t('cards.bill.installment', { number: item.number, count: item.count })}</Text>
            <Text size="xs" c="dimmed">
              {t('cards.bill.dueOn', { date: isoToDisplay(item.due_on) })}
            </Text>
            {item.refunded ? (
              <Badge size="xs" variant="light" color="gray">
                {t('cards.installmentsList.refunded')}
              </Badge>
            ) : null}
            {item.anticipated ? (
              <Badge size="xs" variant="light">
                {t('cards.installmentsList.anticipated')}
              </Badge>
            ) : null}
          </Group>
          <Money cents={item.amount_cents} size="sm" fw={600} td={item.refunded ? 'line-through' : undefined} />
        </Group>
      ))}
    </Stack>
  );
}

interface RefundValues {
  scope: RefundScope;
  amount: string;
}

function RefundForm({
  transaction,
  installments,
  onDone,
}: {
  transaction: Transaction;
  installments: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const form = useForm<RefundValues>({
    initialValues: { scope: 'whole', amount: '' },
    validate: { amount: (value, values) => (values.scope === 'amount' ? validateAmount(value) : null) },
  });
  const mutation = useIdempotentMutation({ mutationFn: refundPurchase, onSuccess: () => invalidateMoney(queryClient) });
  const scopes: RefundScope[] = installments ? ['whole', 'remaining', 'amount'] : ['whole', 'amount'];
  const submit = form.onSubmit((values) =>
    mutation.submit(
      {
        transactionId: transaction.id,
        input: { scope: values.scope, ...(values.scope === 'amount' ? { amount_cents: amountCents(values.amount) } : {}) },
      },
      {
        onSuccess: (result) => {
          notifications.show({
            color: 'brand',
            message: t('cards.refund.done', { amount: formatBrl(result.transaction.amount_cents) }),
          });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { amount_cents: 'amount' })),
      },
    ),
  );
  return (
    <form onSubmit={submit} noValidate aria-label={t('cards.refund.title')}>
      <Stack gap="sm">
        <SegmentedControl
          aria-label={t('cards.refund.scope')}
          fullWidth
          value={form.values.scope}
          onChange={(value) => form.setFieldValue('scope', scopes.find((scope) => scope === value) ?? 'whole')}
          data={scopes.map((scope) => ({ value: scope, label: t(`cards.refund.${scope}`) }))}
          styles={{ label: { whiteSpace: 'normal' } }}
        />
        {form.values.scope === 'amount' ? (
          <MoneyInput
            {...form.getInputProps('amount')}
            error={errorText(form.errors.amount)}
            label={t('cards.refund.amountLabel')}
          />
        ) : null}
        <Text size="xs" c="dimmed">
          {t('cards.refund.hint')}
        </Text>
        <ProblemAlert error={mutation.error} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" mih={44} onClick={onDone}>
            {t('forms.cancel')}
          </Button>
          <Button type="submit" color="red" mih={44} loading={mutation.isPending}>
            {t('cards.refund.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface AnticipateValues {
  count: string;
  discount: string;
}

function AnticipateForm({ transaction, onDone }: { transaction: Transaction; onDone: () => void }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const form = useForm<AnticipateValues>({
    initialValues: { count: '', discount: '' },
    validate: {
      count: (value) => {
        if (value.trim() === '') return null;
        const count = Number(value);
        return Number.isInteger(count) && count >= 1 && count <= INSTALLMENTS_MAX ? null : 'auth.validation.invalid';
      },
      discount: (value) => validateAmount(value, { optional: true }),
    },
  });
  const mutation = useIdempotentMutation({ mutationFn: anticipateInstallments, onSuccess: () => invalidateMoney(queryClient) });
  const submit = form.onSubmit((values) => {
    const discount = amountCents(values.discount);
    mutation.submit(
      {
        transactionId: transaction.id,
        input: {
          ...(values.count.trim() !== '' ? { count: Number(values.count) } : {}),
          ...(discount > 0 ? { discount_cents: discount } : {}),
        },
      },
      {
        onSuccess: () => {
          notifications.show({ color: 'brand', message: t('cards.anticipate.done') });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { count: 'count', discount_cents: 'discount' })),
      },
    );
  });
  return (
    <form onSubmit={submit} noValidate aria-label={t('cards.anticipate.title')}>
      <Stack gap="sm">
        <TextInput
          {...form.getInputProps('count')}
          error={errorText(form.errors.count)}
          label={t('cards.anticipate.count')}
          description={t('cards.anticipate.countHint')}
          inputMode="numeric"
          autoComplete="off"
        />
        <MoneyInput
          {...form.getInputProps('discount')}
          error={errorText(form.errors.discount)}
          label={t('cards.anticipate.discount')}
          description={t('cards.anticipate.discountHint')}
        />
        <ProblemAlert error={mutation.error} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" mih={44} onClick={onDone}>
            {t('forms.cancel')}
          </Button>
          <Button type="submit" mih={44} loading={mutation.isPending}>
            {t('cards.anticipate.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
