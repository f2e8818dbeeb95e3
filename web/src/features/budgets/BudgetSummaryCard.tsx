import { Anchor, Card, Center, Divider, Group, Loader, Progress, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { BUDGETS_PATH } from '../../app/paths';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { capitalize, currentMonth, monthLabel } from '../../lib/months';
import { StatusBadge, useBudgetLineName } from './BudgetLineRow';
import { useBudgetMonth } from './queries';
import { BUDGET_STATUS_COLORS, barValue, budgetStatus, totalsStatus } from './status';

const ALERTS_SHOWN_MAX = 4;

/** The dashboard's budget: this month's totals and the categories in amber or red. */
export function BudgetSummaryCard() {
  const { t, i18n } = useTranslation();
  const lineName = useBudgetLineName();
  const month = currentMonth();
  const budget = useBudgetMonth(month);
  const data = budget.data;
  const alerts = (data?.items ?? [])
    .filter((line) => budgetStatus(line) !== 'ok')
    .sort((a, b) => b.percent - a.percent)
    .slice(0, ALERTS_SHOWN_MAX);
  const totals = data?.totals;
  const percent = totals && totals.available_cents > 0 ? Math.floor((totals.spent_cents * 100) / totals.available_cents) : 0;

  return (
    <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="dashboard-budget">
      <Group justify="space-between" px="md" py="sm" wrap="nowrap">
        <Title order={2} fz="lg" id="dashboard-budget">
          {t('dashboard.budgetTitle')}
        </Title>
        <Anchor component={Link} to={BUDGETS_PATH} size="sm" style={{ whiteSpace: 'nowrap' }}>
          {t('dashboard.seeAll')}
        </Anchor>
      </Group>
      <Divider />
      {budget.isError ? <ProblemAlert error={budget.error} context="load" /> : null}
      {budget.isPending ? (
        <Center p="lg">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {data && data.items.length === 0 ? (
        <Stack gap={4} p="md">
          <Text c="dimmed" size="sm">
            {t('dashboard.budgetEmpty')}
          </Text>
          <Anchor component={Link} to={BUDGETS_PATH} size="sm">
            {t('dashboard.budgetCreate')}
          </Anchor>
        </Stack>
      ) : null}
      {data && totals && data.items.length > 0 ? (
        <Stack gap="sm" p="md">
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              {capitalize(monthLabel(month, i18n.resolvedLanguage ?? 'pt-BR'))}
            </Text>
            <Text size="sm" c="dimmed">
              <Money cents={totals.spent_cents} fw={700} c="bright" size="md" /> {t('budgets.of')}{' '}
              <Money cents={totals.available_cents} size="sm" />
            </Text>
            <Progress
              value={barValue(percent)}
              color={BUDGET_STATUS_COLORS[totalsStatus(totals)]}
              size="md"
              radius="xl"
              aria-label={t('budgets.totals.progressLabel', { percent })}
            />
          </Stack>
          {alerts.length === 0 ? (
            <Text size="sm" c="green.8">
              {t('dashboard.budgetAllGood')}
            </Text>
          ) : (
            alerts.map((line) => (
              <Group
                key={line.id}
                justify="space-between"
                wrap="nowrap"
                gap="xs"
                data-budget-alert=""
                data-category-name={lineName(line)}
                data-status={budgetStatus(line)}
              >
                <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
                  {lineName(line)}
                </Text>
                <Group gap={6} wrap="nowrap">
                  <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
                    {line.percent}%
                  </Text>
                  <StatusBadge status={budgetStatus(line)} />
                </Group>
              </Group>
            ))
          )}
        </Stack>
      ) : null}
    </Card>
  );
}
