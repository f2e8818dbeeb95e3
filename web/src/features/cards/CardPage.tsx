import {
  Accordion,
  Alert,
  Anchor,
  Button,
  Card,
  Center,
  Group,
  Loader,
  Modal,
  Progress,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { Account } from '../../api/ledger';
import { isApiError } from '../../api/problem';
import { ACCOUNTS_PATH } from '../../app/paths';
import { ChevronLeftIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { formatBrl } from '../../lib/money';
import { accountPath } from '../accounts/AccountRow';
import { AccountSettingsForm } from '../accounts/AccountSettingsForm';
import { useLedgerActions } from '../ledger/LedgerActions';
import { useAccount } from '../ledger/queries';
import { LazyTransactionDialog } from '../transactions/LazyTransactionDialog';
import type { Bill, BillPage } from './api';
import { BillDates, BillDetails, BillStatusBadge, useBillName } from './BillView';
import { billSections, usedPercent } from './bills';
import { PayBillForm } from './PayBillForm';
import { useBills } from './queries';

/**
 * A credit card: the limit used and free, the bill open today, the next bills with their
 * future installments and the past bills with their status, each payable ("Pagar fatura").
 */
export function CardPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const account = useAccount(id);
  usePageTitle(account.data ? `${t('cards.pageTitle')}: ${account.data.name}` : t('cards.pageTitle'));

  if (account.isError) return <ProblemAlert error={account.error} context="load" />;
  if (!account.data) {
    return (
      <Center py="xl">
        <Loader aria-label={t('app.loading')} />
      </Center>
    );
  }
  return <CardScreen card={account.data} />;
}

function CardScreen({ card }: { card: Account }) {
  const { t } = useTranslation();
  const actions = useLedgerActions();
  const phone = usePhoneLayout();
  const isCard = card.type === 'credit_card';
  const scheduled = isCard && card.closing_day !== null;
  const bills = useBills(card.id, scheduled);
  const [configuring, setConfiguring] = useState(false);
  const [paying, setPaying] = useState<Bill | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const billName = useBillName();
  // A card whose days were never set answers 422 card_schedule_missing: ask for them instead.
  const scheduleMissing = isCard && (!scheduled || (isApiError(bills.error) && bills.error.code === 'card_schedule_missing'));

  return (
    <Stack gap="lg" maw={820} mx="auto">
      <Anchor component={Link} to={ACCOUNTS_PATH} size="sm" style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
        <ChevronLeftIcon size={16} /> {t('cards.back')}
      </Anchor>
      <Card withBorder radius="lg" padding="lg">
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap" gap="sm">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Title order={1} fz={{ base: 24, sm: 28 }} style={{ overflowWrap: 'anywhere' }}>
                {card.name}
              </Title>
              {scheduled ? (
                <Text size="sm" c="dimmed">
                  {t('cards.schedule.summary', { closing: card.closing_day, due: card.due_day })}
                </Text>
              ) : null}
            </Stack>
            <Group gap="sm" wrap="wrap">
              <Anchor component={Link} to={accountPath(card.id)} size="sm">
                {t('cards.statement')}
              </Anchor>
              {isCard && !card.archived ? (
                <Button variant="light" onClick={() => actions.openEntry('expense', { accountId: card.id })}>
                  {t('transactions.newExpense')}
                </Button>
              ) : null}
            </Group>
          </Group>
          {isCard ? <CardLimit card={card} /> : <Text c="dimmed">{t('cards.notACard')}</Text>}
        </Stack>
      </Card>

      {scheduleMissing ? (
        <Alert color="yellow" variant="light" title={t('cards.schedule.missing')}>
          <Button mt="xs" onClick={() => setConfiguring(true)}>
            {t('cards.schedule.set')}
          </Button>
        </Alert>
      ) : null}
      {bills.isError && !scheduleMissing ? <ProblemAlert error={bills.error} context="load" /> : null}
      {scheduled && bills.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {bills.data ? (
        <BillSectionsView
          bills={uniqueBills(bills.data.pages)}
          onOpenTransaction={setOpenId}
          onPay={card.archived ? undefined : setPaying}
          more={
            bills.hasNextPage
              ? { loading: bills.isFetchingNextPage, load: () => void bills.fetchNextPage({ cancelRefetch: false }) }
              : undefined
          }
        />
      ) : null}

      <Modal
        opened={configuring}
        onClose={() => setConfiguring(false)}
        title={t('accountSettings.title')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {configuring ? <AccountSettingsForm account={card} onDone={() => setConfiguring(false)} /> : null}
      </Modal>
      <Modal
        opened={paying !== null}
        onClose={() => setPaying(null)}
        title={paying ? t('cards.pay.title', { month: billName(paying) }) : ''}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {paying ? <PayBillForm card={card} bill={paying} onDone={() => setPaying(null)} /> : null}
      </Modal>
      <LazyTransactionDialog transactionId={openId} onClose={() => setOpenId(null)} />
    </Stack>
  );
}

/** The limit used and free, with a bar; a card over its limit shows the bar full and red. */
function CardLimit({ card }: { card: Account }) {
  const { t } = useTranslation();
  const limit = card.credit_limit_cents ?? card.overdraft_limit_cents;
  const used = card.credit_used_cents ?? Math.max(0, -card.balance_cents);
  const available = card.credit_available_cents ?? limit - used;
  const percent = usedPercent(used, limit);
  return (
    <Stack gap={6} data-testid="card-limit">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Stack gap={0}>
          <Text size="xs" c="dimmed">
            {t('cards.limit.used')}
          </Text>
          <Money cents={used} fw={700} fz="lg" data-testid="card-limit-used" />
        </Stack>
        <Stack gap={0} align="flex-end">
          <Text size="xs" c="dimmed">
            {t('cards.limit.available')}
          </Text>
          <Money
            cents={available}
            fw={700}
            fz="lg"
            c={available < 0 ? 'var(--app-amount-negative)' : undefined}
            data-testid="card-limit-available"
          />
        </Stack>
      </Group>
      <Progress
        value={percent}
        color={percent >= 100 ? 'red' : percent >= 80 ? 'yellow' : 'brand'}
        size="md"
        aria-label={t('cards.limit.usedPercent', { percent })}
      />
      <Text size="xs" c="dimmed">
        {t('cards.limit.total', { amount: formatBrl(limit) })}
      </Text>
    </Stack>
  );
}

/** The pages read so far, newest first; a bill met twice (a page read after a new bill appeared) once. */
function uniqueBills(pages: readonly BillPage[]): Bill[] {
  const byId = new Map<string, Bill>();
  for (const bill of pages.flatMap((page) => page.items)) if (!byId.has(bill.id)) byId.set(bill.id, bill);
  return [...byId.values()];
}

interface BillSectionsViewProps {
  bills: readonly Bill[];
  onOpenTransaction: (transactionId: string) => void;
  onPay: ((bill: Bill) => void) | undefined;
  /** Older bills the server still holds ("Ver faturas anteriores"). */
  more: { loading: boolean; load: () => void } | undefined;
}

function BillSectionsView({ bills, onOpenTransaction, onPay, more }: BillSectionsViewProps) {
  const { t } = useTranslation();
  const billName = useBillName();
  const sections = billSections(bills);
  const payOf = (bill: Bill) => (onPay ? () => onPay(bill) : undefined);
  return (
    <>
      {sections.current ? (
        <Card
          withBorder
          radius="lg"
          padding="lg"
          component="section"
          aria-label={t('cards.bill.current')}
          data-bill={sections.current.month}
        >
          <Stack gap="sm">
            <Group justify="space-between" wrap="wrap" gap="xs">
              <Stack gap={0}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
                  {t('cards.bill.current')}
                </Text>
                <Title order={2} fz="lg">
                  {billName(sections.current)}
                </Title>
              </Stack>
              <BillStatusBadge status={sections.current.status} />
            </Group>
            <Money cents={sections.current.total_cents} fz={28} fw={800} data-testid="bill-total" />
            <BillDates bill={sections.current} />
            <BillDetails bill={sections.current} onOpenTransaction={onOpenTransaction} onPay={payOf(sections.current)} />
          </Stack>
        </Card>
      ) : null}
      <BillList
        title={t('cards.bill.next')}
        empty={t('cards.bill.noNext')}
        bills={sections.next}
        onOpenTransaction={onOpenTransaction}
        payOf={payOf}
      />
      <BillList
        title={t('cards.bill.past')}
        empty={t('cards.bill.noPast')}
        bills={sections.past}
        onOpenTransaction={onOpenTransaction}
        payOf={payOf}
        // The last closed bill is the one to pay: it starts open.
        openFirst
      />
      {more ? (
        <Group justify="center">
          <Button variant="default" mih={44} loading={more.loading} onClick={more.load}>
            {t('cards.bill.loadOlder')}
          </Button>
        </Group>
      ) : null}
    </>
  );
}

interface BillListProps {
  title: string;
  empty: string;
  bills: readonly Bill[];
  onOpenTransaction: (transactionId: string) => void;
  payOf: (bill: Bill) => (() => void) | undefined;
  openFirst?: boolean;
}

function BillList({ title, empty, bills, onOpenTransaction, payOf, openFirst = false }: BillListProps) {
  const billName = useBillName();
  const first = bills[0];
  return (
    <Stack gap="xs" component="section" aria-label={title}>
      <Title order={2} fz="lg">
        {title}
      </Title>
      {bills.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Accordion variant="separated" radius="lg" multiple defaultValue={openFirst && first ? [first.id] : []}>
          {bills.map((bill) => (
            <Accordion.Item key={bill.id} value={bill.id} data-bill={bill.month}>
              <Accordion.Control>
                <Group justify="space-between" wrap="nowrap" gap="sm">
                  <Stack gap={0} style={{ minWidth: 0 }}>
                    <Group gap={6} wrap="wrap">
                      <Text fw={700}>{billName(bill)}</Text>
                      <BillStatusBadge status={bill.status} />
                    </Group>
                  </Stack>
                  <Money cents={bill.total_cents} fw={700} />
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <Stack gap="sm">
                  <BillDates bill={bill} />
                  <BillDetails bill={bill} onOpenTransaction={onOpenTransaction} onPay={payOf(bill)} />
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
    </Stack>
  );
}
