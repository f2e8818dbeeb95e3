import { Button, Card, Center, Group, Loader, Modal, SimpleGrid, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/problem';
import { PlusIcon, TargetIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { errorMessageKey } from '../../i18n/problems';
import { formatBrlInText } from '../../lib/money';
import { LEDGER_KEYS } from '../ledger/queries';
import { deleteGoal, type Goal, type PatchGoalInput, patchGoal } from './api';
import { type GoalAction, GoalCard } from './GoalCard';
import { GoalForm } from './GoalForm';
import { type GoalMoneyDirection, GoalMoneyForm } from './GoalMoneyForm';
import { byProgress } from './outlook';
import { useGoals } from './queries';

type Dialog =
  | { kind: 'none' }
  | { kind: 'create' }
  | { kind: 'edit'; goal: Goal }
  | { kind: 'move'; goal: Goal; direction: GoalMoneyDirection; initialCents?: number; thenArchive?: boolean }
  | { kind: 'hasBalance'; goal: Goal }
  | { kind: 'delete'; goal: Goal };

type GoalChange = Omit<PatchGoalInput, 'row_version'>;

type SetDialog = (dialog: Dialog) => void;
type GoalChangeMutation = ReturnType<typeof useGoalChange>;

/** Archives, unarchives or reopens a goal; money still in it opens the withdraw-first dialog instead of a dead end. */
function useGoalChange(setDialog: SetDialog) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ goal, patch }: { goal: Goal; patch: GoalChange }) =>
      patchGoal(goal.id, { ...patch, row_version: goal.row_version }),
    onSuccess: (saved, { patch }) => {
      const key =
        patch.archived === true ? 'goals.archivedDone' : patch.archived === false ? 'goals.unarchivedDone' : 'goals.reopenedDone';
      notifications.show({ color: 'brand', message: t(key, { name: saved.name }) });
    },
    onError: (error, { goal }) => {
      if (isApiError(error) && error.code === 'goal_has_balance') {
        setDialog({ kind: 'hasBalance', goal });
        return;
      }
      notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals }),
  });
}

/** What each button on a goal's card does: open a dialog or change the goal. */
function useGoalActions(change: GoalChangeMutation, setDialog: SetDialog) {
  const archive = (goal: Goal) => {
    if (goal.saved_cents > 0) setDialog({ kind: 'hasBalance', goal });
    else change.mutate({ goal, patch: { archived: true } });
  };

  const onAction = (goal: Goal, action: GoalAction) => {
    switch (action) {
      case 'contribute':
      case 'withdraw':
        setDialog({ kind: 'move', goal, direction: action });
        return;
      case 'edit':
        setDialog({ kind: 'edit', goal });
        return;
      case 'reopen':
        change.mutate({ goal, patch: { achieved: false } });
        return;
      case 'archive':
        archive(goal);
        return;
      case 'unarchive':
        change.mutate({ goal, patch: { archived: false } });
        return;
      case 'delete':
        setDialog({ kind: 'delete', goal });
        return;
    }
  };
  return { archive, onAction };
}

function NoGoals() {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="lg" padding="xl">
      <Stack align="center" gap="xs" ta="center">
        <Text c="brand.6" aria-hidden="true">
          <TargetIcon size={36} />
        </Text>
        <Text fw={700}>{t('goals.empty')}</Text>
        <Text c="dimmed" size="sm" maw={420}>
          {t('goals.emptyHint')}
        </Text>
      </Stack>
    </Card>
  );
}

interface GoalDialogsProps {
  dialog: Dialog;
  setDialog: SetDialog;
  change: GoalChangeMutation;
  archive: (goal: Goal) => void;
}

/** The page's dialogs; which one is open follows `dialog`. */
function GoalDialogs({ dialog, setDialog, change, archive }: GoalDialogsProps) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const close = () => setDialog({ kind: 'none' });
  return (
    <>
      <Modal
        opened={dialog.kind === 'create' || dialog.kind === 'edit'}
        onClose={close}
        title={dialog.kind === 'edit' ? t('goals.form.editTitle') : t('goals.form.createTitle')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'create' ? <GoalForm onDone={close} /> : null}
        {dialog.kind === 'edit' ? <GoalForm goal={dialog.goal} onDone={close} /> : null}
      </Modal>
      <GoalMoveModal dialog={dialog} close={close} change={change} />
      <Modal
        opened={dialog.kind === 'hasBalance'}
        onClose={close}
        title={t('goals.hasBalance.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'hasBalance' ? <WithdrawFirst goal={dialog.goal} setDialog={setDialog} /> : null}
      </Modal>
      <Modal
        opened={dialog.kind === 'delete'}
        onClose={close}
        title={t('goals.deleteConfirm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'delete' ? (
          <DeleteGoalConfirm
            goal={dialog.goal}
            onCancel={close}
            onDone={close}
            onArchiveInstead={() => {
              close();
              archive(dialog.goal);
            }}
          />
        ) : null}
      </Modal>
    </>
  );
}

/** Deposit into or withdraw from a goal; a withdrawal of everything before archiving then archives it. */
function GoalMoveModal({ dialog, close, change }: { dialog: Dialog; close: () => void; change: GoalChangeMutation }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  return (
    <Modal
      opened={dialog.kind === 'move'}
      onClose={close}
      title={
        dialog.kind === 'move'
          ? t(dialog.direction === 'contribute' ? 'goals.move.contributeTitle' : 'goals.move.withdrawTitle', {
              name: dialog.goal.name,
            })
          : ''
      }
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': t('forms.close') }}
    >
      {dialog.kind === 'move' ? (
        <GoalMoneyForm
          goal={dialog.goal}
          direction={dialog.direction}
          initialCents={dialog.initialCents}
          onDone={(movement) => {
            close();
            if (dialog.thenArchive && movement.goal.saved_cents === 0) {
              change.mutate({ goal: movement.goal, patch: { archived: true } });
            }
          }}
        />
      ) : null}
    </Modal>
  );
}

/** A goal that still holds money is archived only after withdrawing it: offer exactly that. */
function WithdrawFirst({ goal, setDialog }: { goal: Goal; setDialog: SetDialog }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Text size="sm">{t('goals.hasBalance.text', { name: goal.name, amount: formatBrlInText(goal.saved_cents) })}</Text>
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={() => setDialog({ kind: 'none' })}>
          {t('forms.cancel')}
        </Button>
        <Button
          data-autofocus
          onClick={() =>
            setDialog({ kind: 'move', goal, direction: 'withdraw', initialCents: goal.saved_cents, thenArchive: true })
          }
        >
          {t('goals.hasBalance.withdrawFirst')}
        </Button>
      </Group>
    </Stack>
  );
}

/** "Metas": every goal with its progress and projection; create, deposit, withdraw, edit, archive. */
export function GoalsPage() {
  const { t } = useTranslation();
  usePageTitle(t('goals.pageTitle'));
  const goals = useGoals();
  const [showArchived, setShowArchived] = useState(false);
  const [dialog, setDialog] = useState<Dialog>({ kind: 'none' });
  const change = useGoalChange(setDialog);
  const { archive, onAction } = useGoalActions(change, setDialog);

  const all = [...(goals.data ?? [])].sort(byProgress);
  const archivedCount = all.filter((goal) => goal.archived).length;
  const shown = showArchived ? all : all.filter((goal) => !goal.archived);

  return (
    <Stack gap="lg" maw={1000} mx="auto">
      <Group justify="space-between" gap="sm" wrap="nowrap">
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('goals.pageTitle')}
        </Title>
        <Button leftSection={<PlusIcon size={18} />} onClick={() => setDialog({ kind: 'create' })}>
          {t('goals.new')}
        </Button>
      </Group>

      {goals.isError ? <ProblemAlert error={goals.error} context="load" /> : null}
      {goals.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {goals.isSuccess && shown.length === 0 ? <NoGoals /> : null}
      {shown.length > 0 ? (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          {shown.map((goal) => (
            <GoalCard key={goal.id} goal={goal} onAction={(action) => onAction(goal, action)} />
          ))}
        </SimpleGrid>
      ) : null}
      {archivedCount > 0 ? (
        <Switch
          checked={showArchived}
          onChange={(event) => setShowArchived(event.currentTarget.checked)}
          label={`${t('goals.showArchived')} (${archivedCount})`}
        />
      ) : null}

      <GoalDialogs dialog={dialog} setDialog={setDialog} change={change} archive={archive} />
    </Stack>
  );
}

/** Deletes a goal that never held money; one that did is offered archiving instead. */
function DeleteGoalConfirm({
  goal,
  onCancel,
  onDone,
  onArchiveInstead,
}: {
  goal: Goal;
  onCancel: () => void;
  onDone: () => void;
  onArchiveInstead: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => deleteGoal(goal.id),
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('goals.deletedDone', { name: goal.name }) });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals });
      onDone();
    },
  });
  const hasEntries = isApiError(mutation.error) && mutation.error.code === 'goal_has_entries';

  if (hasEntries) {
    return (
      <Stack gap="md">
        <Text size="sm" role="alert">
          {t('goals.deleteConfirm.hasEntries')}
        </Text>
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel}>
            {t('forms.cancel')}
          </Button>
          {goal.archived ? null : (
            <Button onClick={onArchiveInstead} data-autofocus data-writes>
              {t('goals.deleteConfirm.archiveInstead')}
            </Button>
          )}
        </Group>
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      <Text size="sm">{t('goals.deleteConfirm.text', { name: goal.name })}</Text>
      <ProblemAlert error={mutation.error} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onCancel} disabled={mutation.isPending}>
          {t('forms.cancel')}
        </Button>
        <Button color="red" onClick={() => mutation.mutate()} loading={mutation.isPending} data-autofocus data-writes>
          {t('goals.deleteConfirm.confirm')}
        </Button>
      </Group>
    </Stack>
  );
}
