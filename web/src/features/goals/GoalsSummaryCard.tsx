import { Anchor, Card, Center, Divider, Group, Loader, Progress, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { GOALS_PATH } from '../../app/paths';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { byProgress, progressValue } from './outlook';
import { activeGoals, useGoals } from './queries';

const GOALS_SHOWN_MAX = 3;

/** The dashboard's goals: the ones closest to done, each with its bar. */
export function GoalsSummaryCard() {
  const { t } = useTranslation();
  const goals = useGoals();
  const shown = activeGoals(goals.data).sort(byProgress).slice(0, GOALS_SHOWN_MAX);
  return (
    <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="dashboard-goals">
      <Group justify="space-between" px="md" py="sm" wrap="nowrap">
        <Title order={2} fz="lg" id="dashboard-goals">
          {t('dashboard.goalsTitle')}
        </Title>
        <Anchor component={Link} to={GOALS_PATH} size="sm" style={{ whiteSpace: 'nowrap' }}>
          {t('dashboard.seeAllFeminine')}
        </Anchor>
      </Group>
      <Divider />
      {goals.isError ? <ProblemAlert error={goals.error} context="load" /> : null}
      {goals.isPending ? (
        <Center p="lg">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {goals.isSuccess && shown.length === 0 ? (
        <Stack gap={4} p="md">
          <Text c="dimmed" size="sm">
            {t('dashboard.goalsEmpty')}
          </Text>
          <Anchor component={Link} to={GOALS_PATH} size="sm">
            {t('dashboard.goalsCreate')}
          </Anchor>
        </Stack>
      ) : null}
      {shown.length > 0 ? (
        <Stack gap="md" p="md">
          {shown.map((goal) => (
            <Stack key={goal.id} gap={4} data-goal-summary="" data-goal-name={goal.name}>
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text fw={600} size="sm" truncate="end" style={{ minWidth: 0 }}>
                  {goal.icon ? `${goal.icon} ` : ''}
                  {goal.name}
                </Text>
                <Text fw={700} size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {goal.percent}%
                </Text>
              </Group>
              <Progress
                value={progressValue(goal.percent)}
                color={goal.achieved ? 'green' : 'brand'}
                size="sm"
                radius="xl"
                aria-label={t('goals.progressLabel', { name: goal.name, percent: goal.percent })}
              />
              <Text size="xs" c="dimmed">
                <Money cents={goal.saved_cents} size="xs" fw={600} c="bright" /> {t('goals.of')}{' '}
                <Money cents={goal.target_cents} size="xs" />
              </Text>
            </Stack>
          ))}
        </Stack>
      ) : null}
    </Card>
  );
}
