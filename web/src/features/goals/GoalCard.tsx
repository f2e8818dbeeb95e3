import { ActionIcon, Badge, Button, Card, Group, Menu, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DotsIcon, MinusIcon, PlusIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrlInText } from '../../lib/money';
import type { Goal } from './api';
import { type GoalOutlook, goalOutlook, progressValue } from './outlook';

export type GoalAction = 'contribute' | 'withdraw' | 'edit' | 'reopen' | 'archive' | 'unarchive' | 'delete';

/** The day a goal was achieved, in Brazil (achieved_at is an instant). */
function achievedOn(goal: Goal): string | null {
  return goal.achieved_at ? isoToDisplay(todayIso(new Date(goal.achieved_at))) : null;
}

function useOutlookText() {
  const { t } = useTranslation();
  return (goal: Goal, outlook: GoalOutlook): { text: string; badge?: { label: string; color: string } } => {
    switch (outlook.kind) {
      case 'achieved': {
        const date = achievedOn(goal);
        return { text: date ? t('goals.outlook.achievedOn', { date }) : t('goals.outlook.achieved') };
      }
      case 'reached':
        return { text: t('goals.outlook.reached') };
      case 'overdue':
        return {
          text: t('goals.outlook.overdue', { amount: formatBrlInText(outlook.neededCents) }),
          badge: { label: t('goals.outlook.overdueBadge'), color: 'red' },
        };
      case 'projected':
        return {
          text: t('goals.outlook.projected', {
            pace: formatBrlInText(outlook.paceCents),
            date: isoToDisplay(outlook.projectedOn),
          }),
        };
      case 'on_track':
        return {
          text: t('goals.outlook.onTrack', { pace: formatBrlInText(outlook.paceCents), date: isoToDisplay(outlook.projectedOn) }),
          badge: { label: t('goals.outlook.onTrackBadge'), color: 'green' },
        };
      case 'behind': {
        const needed = {
          amount: formatBrlInText(outlook.neededMonthlyCents),
          date: isoToDisplay(goal.target_date ?? ''),
        };
        return {
          text:
            outlook.projectedOn === null
              ? t('goals.outlook.behind', needed)
              : t('goals.outlook.behindPace', {
                  ...needed,
                  pace: formatBrlInText(outlook.paceCents),
                  projected: isoToDisplay(outlook.projectedOn),
                }),
          badge: { label: t('goals.outlook.behindBadge'), color: 'orange' },
        };
      }
      case 'starting':
        return {
          text:
            outlook.neededMonthlyCents === null
              ? t('goals.outlook.starting')
              : t('goals.outlook.startingWithDate', {
                  amount: formatBrlInText(outlook.neededMonthlyCents),
                  date: isoToDisplay(goal.target_date ?? ''),
                }),
          badge: { label: t('goals.outlook.startingBadge'), color: 'blue' },
        };
      case 'no_pace':
        return { text: t('goals.outlook.noPace') };
      case 'too_far':
        return { text: t('goals.outlook.tooFar', { pace: formatBrlInText(outlook.paceCents) }) };
    }
  };
}

/**
 * One goal: how much is saved of the target (bar and figures), what is left and by when,
 * the projection at the current pace, and its actions.
 */
export function GoalCard({ goal, onAction }: { goal: Goal; onAction: (action: GoalAction) => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const outlookText = useOutlookText();
  const outlook = outlookText(goal, goalOutlook(goal, todayIso()));
  const finished = goal.achieved || goal.saved_cents >= goal.target_cents;
  const color = goal.archived ? 'gray' : finished ? 'green' : 'brand';

  return (
    <Card withBorder radius="lg" padding="lg" data-goal-card="" data-goal-name={goal.name} component="article">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
          <Group gap="sm" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
            {goal.icon ? (
              <Text fz={28} lh={1} aria-hidden="true" style={{ flexShrink: 0 }}>
                {goal.icon}
              </Text>
            ) : null}
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Text component="h2" fw={700} fz="lg" style={{ overflowWrap: 'anywhere' }} m={0}>
                {goal.name}
              </Text>
              <Group gap={6}>
                {goal.achieved ? (
                  <Badge size="sm" variant="light" color="green">
                    {t('goals.achievedBadge')}
                  </Badge>
                ) : null}
                {goal.archived ? (
                  <Badge size="sm" variant="light" color="gray">
                    {t('goals.archivedBadge')}
                  </Badge>
                ) : null}
                {outlook.badge && !goal.archived ? (
                  <Badge size="sm" variant="light" color={outlook.badge.color}>
                    {outlook.badge.label}
                  </Badge>
                ) : null}
              </Group>
            </Stack>
          </Group>
          <GoalMenu goal={goal} onAction={onAction} />
        </Group>

        <Group justify="space-between" align="flex-end" gap="xs" wrap="nowrap">
          <Group gap={6} wrap="wrap" align="baseline" style={{ minWidth: 0 }}>
            <Money cents={goal.saved_cents} fz="xl" fw={800} data-testid="goal-saved" />
            <Text component="span" size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {t('goals.of')} <Money cents={goal.target_cents} data-testid="goal-target" />
            </Text>
          </Group>
          <Text fw={700} size="sm" style={{ whiteSpace: 'nowrap' }} data-testid="goal-percent">
            {goal.percent}%
          </Text>
        </Group>
        <Progress
          value={progressValue(goal.percent)}
          color={color}
          size="lg"
          radius="xl"
          aria-label={t('goals.progressLabel', { name: goal.name, percent: goal.percent })}
        />
        <Group justify="space-between" gap={4} wrap="wrap">
          {goal.remaining_cents > 0 ? (
            <Text size="sm" c="dimmed">
              {t('goals.remaining')} <Money cents={goal.remaining_cents} fw={600} c="bright" />
            </Text>
          ) : null}
          {goal.target_date ? (
            <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {t('goals.targetDate', { date: isoToDisplay(goal.target_date) })}
            </Text>
          ) : null}
        </Group>
        {goal.archived ? null : (
          <Text size="sm" data-testid="goal-outlook">
            {outlook.text}
          </Text>
        )}
        {goal.archived ? null : (
          <Group gap="xs" grow>
            <Button
              variant="light"
              size={phone ? 'sm' : 'md'}
              px={phone ? 'xs' : undefined}
              leftSection={<PlusIcon size={18} />}
              onClick={() => onAction('contribute')}
            >
              {t('goals.contribute')}
            </Button>
            <Button
              variant="default"
              size={phone ? 'sm' : 'md'}
              px={phone ? 'xs' : undefined}
              leftSection={<MinusIcon size={18} />}
              onClick={() => onAction('withdraw')}
              disabled={goal.saved_cents <= 0}
            >
              {t('goals.withdraw')}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

function GoalMenu({ goal, onAction }: { goal: Goal; onAction: (action: GoalAction) => void }) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" size="lg" aria-label={t('goals.actions', { name: goal.name })}>
          <DotsIcon size={20} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {goal.archived ? null : <Menu.Item onClick={() => onAction('edit')}>{t('goals.edit')}</Menu.Item>}
        {goal.achieved && !goal.archived ? (
          <Menu.Item onClick={() => onAction('reopen')} data-writes>
            {t('goals.reopen')}
          </Menu.Item>
        ) : null}
        <Menu.Item onClick={() => onAction(goal.archived ? 'unarchive' : 'archive')} data-writes>
          {goal.archived ? t('goals.unarchive') : t('goals.archive')}
        </Menu.Item>
        <Menu.Item color="red" onClick={() => onAction('delete')}>
          {t('goals.delete')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
