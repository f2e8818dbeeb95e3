import { Anchor, Badge, Button, Divider, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Money } from '../../components/Money';
import { isoToDisplay } from '../../lib/dates';
import { capitalize, monthLabel } from '../../lib/months';
import type { Bill, BillStatus } from './api';
import { BILL_STATUS_COLORS, payableCents, rolledOverCents } from './bills';

/** The badge's text colour: light yellow needs a darker shade to stay readable. */
const BADGE_TEXT: Partial<Record<BillStatus, string>> = { partially_paid: 'yellow.9' };

export function BillStatusBadge({ status }: { status: BillStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      size="sm"
      variant="light"
      color={BILL_STATUS_COLORS[status]}
      c={BADGE_TEXT[status]}
      style={{ flexShrink: 0 }}
      data-testid="bill-status"
    >
      {t(`cards.status.${status}`)}
    </Badge>
  );
}

/** "Novembro de 2026": a bill is named by the month it closes in. */
export function useBillName() {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  return (bill: Pick<Bill, 'month'>) => capitalize(monthLabel(bill.month, language));
}

/** The dates of a bill: when it closes (or closed) and when it is due. */
export function BillDates({ bill }: { bill: Bill }) {
  const { t } = useTranslation();
  const closing = bill.status === 'open' ? 'cards.bill.closingOn' : 'cards.bill.closedOn';
  return (
    <Group gap="md" wrap="wrap">
      <Text size="sm" c="dimmed">
        {t(closing, { date: isoToDisplay(bill.closing_on) })}
      </Text>
      <Text size="sm" c="dimmed">
        {t('cards.bill.dueOn', { date: isoToDisplay(bill.due_on) })}
      </Text>
    </Group>
  );
}

interface BillDetailsProps {
  bill: Bill;
  onOpenTransaction: (transactionId: string) => void;
  onPay?: (() => void) | undefined;
}

/**
 * What a bill holds: the previous bill's rest (saldo anterior), its items with the
 * installment each is ("parcela 3/10"), the payments it received, and what is left to pay,
 * or, once its due day passed, what moved to the next bill (paid there, not here).
 */
export function BillDetails({ bill, onOpenTransaction, onPay }: BillDetailsProps) {
  const { t } = useTranslation();
  const rolledCents = rolledOverCents(bill);
  return (
    <Stack gap="xs">
      {bill.previous_balance_cents !== 0 ? (
        <BillLine label={t('cards.bill.previousBalance')} cents={bill.previous_balance_cents} testId="bill-previous-balance" />
      ) : null}
      {bill.items.length === 0 && bill.previous_balance_cents === 0 ? (
        <Text size="sm" c="dimmed">
          {t('cards.bill.empty')}
        </Text>
      ) : null}
      {bill.items.map((item, index) => (
        <Group
          key={`${item.transaction_id}:${item.installment?.number ?? index}`}
          justify="space-between"
          wrap="nowrap"
          gap="sm"
          data-bill-item=""
        >
          <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
            <Anchor
              component="button"
              type="button"
              onClick={() => onOpenTransaction(item.transaction_id)}
              fw={600}
              size="sm"
              c="bright"
              ta="left"
              style={{ overflowWrap: 'anywhere' }}
            >
              {item.description}
            </Anchor>
            <Group gap={6} wrap="wrap">
              <Text size="xs" c="dimmed" style={{ fontVariantNumeric: 'tabular-nums' }}>
                {isoToDisplay(item.occurred_on)}
              </Text>
              {item.installment ? (
                <Badge size="xs" variant="light" component="span" data-testid="bill-installment">
                  {t('cards.bill.installment', item.installment)}
                </Badge>
              ) : null}
              {item.kind === 'refund' ? (
                <Badge size="xs" variant="light" color="gray" component="span">
                  {t('cards.refundBadge')}
                </Badge>
              ) : null}
            </Group>
          </Stack>
          <Money cents={-item.amount_cents} signed colored size="sm" fw={600} />
        </Group>
      ))}
      {bill.payments.length > 0 ? <Divider label={t('cards.bill.payments')} labelPosition="left" /> : null}
      {bill.payments.map((payment) => (
        <Group key={payment.transaction_id} justify="space-between" wrap="nowrap" gap="sm" data-bill-payment="">
          <Anchor component="button" type="button" size="sm" c="bright" onClick={() => onOpenTransaction(payment.transaction_id)}>
            {t('cards.bill.payment')} · {isoToDisplay(payment.occurred_on)}
          </Anchor>
          <Money cents={payment.amount_cents} signed colored size="sm" fw={600} />
        </Group>
      ))}
      <Divider />
      <BillLine label={t('cards.bill.total')} cents={bill.total_cents} strong />
      {bill.paid_cents !== 0 ? <BillLine label={t('cards.bill.paid')} cents={bill.paid_cents} /> : null}
      {rolledCents > 0 ? (
        <BillLine label={t('cards.bill.rolledOver')} cents={rolledCents} strong testId="bill-rolled-over" />
      ) : bill.paid_cents !== 0 || bill.remaining_cents < 0 ? (
        <BillLine
          label={bill.remaining_cents < 0 ? t('cards.bill.credit') : t('cards.bill.remaining')}
          cents={Math.abs(bill.remaining_cents)}
          strong
          testId="bill-remaining"
        />
      ) : null}
      {onPay && payableCents(bill) > 0 ? (
        <Group justify="flex-end">
          <Button onClick={onPay}>{t('cards.pay.action')}</Button>
        </Group>
      ) : null}
    </Stack>
  );
}

function BillLine({ label, cents, strong = false, testId }: { label: string; cents: number; strong?: boolean; testId?: string }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm">
      <Text size="sm" fw={strong ? 700 : undefined}>
        {label}
      </Text>
      <Money cents={cents} size="sm" fw={strong ? 700 : 600} data-testid={testId} />
    </Group>
  );
}
