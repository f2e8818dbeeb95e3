import { Button, Card, Center, Divider, Group, Loader, Modal, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Account, reverseTransaction } from '../../api/ledger';
import { CalendarIcon, PlusIcon, RepeatIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';
import { showUndoToast } from '../../components/UndoToast';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { errorMessageKey } from '../../i18n/problems';
import { isoToDisplay } from '../../lib/dates';
import { newIdempotencyKey } from '../../lib/idempotency';
import { invalidateMoney, LEDGER_KEYS, useAccounts } from '../ledger/queries';
import { endRecurring, pauseRecurring, type RecurringRule, resumeRecurring, retryOccurrence, runDueRecurring } from './api';
import { UPCOMING_PAGE_DAYS, useRecurringRules, useUpcoming } from './queries';
import { RecurringForm } from './RecurringForm';
import { type RuleAction, RuleRow } from './RuleRow';
import { UpcomingAgenda } from './UpcomingAgenda';

type Dialog =
  | { kind: 'none' }
  | { kind: 'create' }
  | { kind: 'edit'; rule: RecurringRule }
  | { kind: 'end'; rule: RecurringRule };

const STATUS_ORDER: Record<RecurringRule['status'], number> = { active: 0, paused: 1, ended: 2 };

/** Posts every occurrence that has fallen due and says what happened. */
function useRunDue() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: runDueRecurring,
    onSuccess: (result) => {
      void invalidateMoney(queryClient);
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring });
      if (result.posted === 0 && result.failed === 0) {
        notifications.show({ message: t('recurring.runDueNothing') });
        return;
      }
      if (result.posted > 0) {
        const postedIds = result.occurrences.flatMap((occurrence) => occurrence.transaction_id ?? []);
        showUndoToast({
          message: t('recurring.runDueDone', { count: result.posted }),
          doneMessage: t('recurring.runDueUndone'),
          // One key per reversal, the same on a retry: each posting is reversed once. Newest
          // first, so taking back an income never comes before giving back what it paid for.
          undo: async (key) => {
            for (const [index, id] of [...postedIds.entries()].reverse()) await reverseTransaction(id, `${key}:${index}`);
            await invalidateMoney(queryClient);
          },
        });
      }
      if (result.failed > 0) {
        notifications.show({
          color: 'red',
          title: t('errors.title'),
          message: t('recurring.runDueFailed', { count: result.failed }),
        });
      }
    },
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
  });
}

/** Pauses or resumes a rule. */
function usePauseResume() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ rule, action }: { rule: RecurringRule; action: 'pause' | 'resume' }) =>
      action === 'pause' ? pauseRecurring(rule.id) : resumeRecurring(rule.id),
    onSuccess: (_, { action }) =>
      notifications.show({
        color: 'brand',
        message: action === 'pause' ? t('recurring.pausedDone') : t('recurring.resumedDone'),
      }),
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring }),
  });
}

/**
 * Posts a failed occurrence after all. Each (rule, day) keeps its Idempotency-Key until a
 * retry of it succeeds, so an answer lost on a slow network is replayed, not posted twice; a
 * refusal (still no money) is rolled back on the server and the same key may try again.
 */
function useRetryOccurrence() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const keys = useRef(new Map<string, string>());
  const mutation = useMutation({
    mutationFn: ({ rule, occursOn }: { rule: RecurringRule; occursOn: string }) => {
      const target = `${rule.id}:${occursOn}`;
      const key = keys.current.get(target) ?? newIdempotencyKey();
      keys.current.set(target, key);
      return retryOccurrence(rule.id, occursOn, key);
    },
    onSuccess: (_, { rule, occursOn }) => {
      keys.current.delete(`${rule.id}:${occursOn}`);
      notifications.show({
        color: 'brand',
        message: t('recurring.retryDone', { name: rule.description, date: isoToDisplay(occursOn) }),
      });
      void invalidateMoney(queryClient);
    },
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring }),
  });
  return {
    retry: (rule: RecurringRule, occursOn: string) => {
      if (!mutation.isPending) mutation.mutate({ rule, occursOn });
    },
    retrying: mutation.isPending ? (mutation.variables ?? null) : null,
  };
}

/** Active rules first, then paused, then ended; within each, the next one due first. */
function sortedRules(rules: readonly RecurringRule[]): RecurringRule[] {
  return [...rules].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      (a.next_occurrence_on ?? '9999').localeCompare(b.next_occurrence_on ?? '9999') ||
      a.description.localeCompare(b.description),
  );
}

function RecurringHeader({ onCreate }: { onCreate: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const runDue = useRunDue();
  return (
    <>
      <Group justify="space-between" gap="sm">
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('recurring.pageTitle')}
        </Title>
        <Group gap="xs" grow={phone} w={phone ? '100%' : undefined}>
          <Button
            leftSection={phone ? undefined : <PlusIcon size={18} />}
            onClick={onCreate}
            size={phone ? 'sm' : 'md'}
            px={phone ? 'xs' : undefined}
          >
            {t('recurring.new')}
          </Button>
          <Button
            variant="light"
            onClick={() => runDue.mutate()}
            data-writes
            loading={runDue.isPending}
            size={phone ? 'sm' : 'md'}
            px={phone ? 'xs' : undefined}
          >
            {t('recurring.runDue')}
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed" mt={-8}>
        {t('recurring.runDueHint')}
      </Text>
    </>
  );
}

/** The calendar of what falls due in the next UPCOMING_PAGE_DAYS days. */
function UpcomingCard({ accounts }: { accounts: readonly Account[] }) {
  const { t } = useTranslation();
  const upcoming = useUpcoming(UPCOMING_PAGE_DAYS);
  return (
    <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="upcoming-title">
      <Group justify="space-between" gap={4} px="md" py="sm" wrap="wrap">
        <Group gap="xs" wrap="nowrap">
          <Text c="brand.6" aria-hidden="true" style={{ display: 'flex' }}>
            <CalendarIcon size={20} />
          </Text>
          <Title order={2} fz="lg" id="upcoming-title">
            {t('recurring.upcomingTitle')}
          </Title>
        </Group>
        <Text size="sm" c="dimmed">
          {t('recurring.upcomingRange', { days: UPCOMING_PAGE_DAYS })}
        </Text>
      </Group>
      {upcoming.isError ? <ProblemAlert error={upcoming.error} context="load" /> : null}
      {upcoming.isPending ? (
        <Center p="lg">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {upcoming.data && upcoming.data.items.length === 0 ? (
        <Text c="dimmed" ta="center" p="lg" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
          {t('recurring.upcomingEmpty', { days: UPCOMING_PAGE_DAYS })}
        </Text>
      ) : null}
      {upcoming.data && upcoming.data.items.length > 0 ? (
        <UpcomingAgenda items={upcoming.data.items} accounts={accounts} />
      ) : null}
      {upcoming.data?.truncated ? (
        <Text size="sm" c="dimmed" px="md" py="sm" data-testid="upcoming-truncated">
          {t('recurring.upcomingTruncated', { date: isoToDisplay(upcoming.data.until) })}
        </Text>
      ) : null}
    </Card>
  );
}

interface RulesCardProps {
  rules: ReturnType<typeof useRecurringRules>;
  shown: readonly RecurringRule[];
  accounts: readonly Account[];
  onAction: (rule: RecurringRule, action: RuleAction) => void;
}

function RulesCard({ rules, shown, accounts, onAction }: RulesCardProps) {
  const { t } = useTranslation();
  const { retry, retrying } = useRetryOccurrence();
  const accountsById = new Map(accounts.map((account) => [account.id, account]));
  return (
    <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="rules-title">
      <Title order={2} fz="lg" px="md" py="sm" id="rules-title">
        {t('recurring.rulesTitle')}
      </Title>
      {rules.isError ? <ProblemAlert error={rules.error} context="load" /> : null}
      {rules.isPending ? (
        <Center p="lg">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {rules.isSuccess && shown.length === 0 ? (
        <Stack align="center" gap="xs" ta="center" p="lg" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
          <Text c="brand.6" aria-hidden="true">
            <RepeatIcon size={32} />
          </Text>
          <Text c="dimmed" size="sm" maw={420}>
            {t('recurring.rulesEmpty')}
          </Text>
        </Stack>
      ) : null}
      {shown.map((rule) => (
        <Fragment key={rule.id}>
          <Divider />
          <RuleRow
            rule={rule}
            accountsById={accountsById}
            onAction={(action) => onAction(rule, action)}
            onRetry={(occursOn) => retry(rule, occursOn)}
            retrying={retrying?.rule.id === rule.id ? retrying.occursOn : null}
          />
        </Fragment>
      ))}
    </Card>
  );
}

function RuleDialogs({ dialog, close }: { dialog: Dialog; close: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  return (
    <>
      <Modal
        opened={dialog.kind === 'create' || dialog.kind === 'edit'}
        onClose={close}
        title={dialog.kind === 'edit' ? t('recurring.form.editTitle') : t('recurring.form.createTitle')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'create' ? <RecurringForm onDone={close} /> : null}
        {dialog.kind === 'edit' ? <RecurringForm rule={dialog.rule} onDone={close} /> : null}
      </Modal>
      <Modal
        opened={dialog.kind === 'end'}
        onClose={close}
        title={t('recurring.endConfirm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'end' ? <EndRuleConfirm rule={dialog.rule} onCancel={close} onDone={close} /> : null}
      </Modal>
    </>
  );
}

/** "Contas recorrentes": the upcoming calendar, the rules, and posting what has fallen due. */
export function RecurringPage() {
  const { t } = useTranslation();
  usePageTitle(t('recurring.pageTitle'));
  const accounts = useAccounts().data ?? [];
  const rules = useRecurringRules();
  const [showEnded, setShowEnded] = useState(false);
  const [dialog, setDialog] = useState<Dialog>({ kind: 'none' });
  const change = usePauseResume();

  const all = sortedRules(rules.data ?? []);
  const endedCount = all.filter((rule) => rule.status === 'ended').length;
  const shown = showEnded ? all : all.filter((rule) => rule.status !== 'ended');

  const onAction = (rule: RecurringRule, action: RuleAction) => {
    if (action === 'edit') setDialog({ kind: 'edit', rule });
    else if (action === 'end') setDialog({ kind: 'end', rule });
    else change.mutate({ rule, action });
  };

  return (
    <Stack gap="lg" maw={900} mx="auto">
      <RecurringHeader onCreate={() => setDialog({ kind: 'create' })} />
      <UpcomingCard accounts={accounts} />
      <RulesCard rules={rules} shown={shown} accounts={accounts} onAction={onAction} />
      {endedCount > 0 ? (
        <Switch
          checked={showEnded}
          onChange={(event) => setShowEnded(event.currentTarget.checked)}
          label={`${t('recurring.showEnded')} (${endedCount})`}
        />
      ) : null}
      <RuleDialogs dialog={dialog} close={() => setDialog({ kind: 'none' })} />
    </Stack>
  );
}

function EndRuleConfirm({ rule, onCancel, onDone }: { rule: RecurringRule; onCancel: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => endRecurring(rule.id),
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('recurring.endedDone') });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring });
      onDone();
    },
  });
  return (
    <Stack gap="md">
      <Text size="sm">{t('recurring.endConfirm.text', { name: rule.description })}</Text>
      <ProblemAlert error={mutation.error} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onCancel} disabled={mutation.isPending}>
          {t('forms.cancel')}
        </Button>
        <Button color="red" onClick={() => mutation.mutate()} loading={mutation.isPending} data-autofocus data-writes>
          {t('recurring.endConfirm.confirm')}
        </Button>
      </Group>
    </Stack>
  );
}
