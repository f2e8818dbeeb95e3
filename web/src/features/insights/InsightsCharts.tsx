import {
  Button,
  Card,
  Center,
  Divider,
  Group,
  Loader,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { type ReactNode, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatBrl } from '../../lib/money';
import { capitalize, monthLabel } from '../../lib/months';
import { useBudgetLineName } from '../budgets/BudgetLineRow';
import { useBudgetMonth } from '../budgets/queries';
import { BUDGET_STATUS_COLORS, barValue, budgetStatus } from '../budgets/status';
import { useLedgerLabels } from '../ledger/labels';
import type { Insights } from './api';
import { isFeatureDisabled } from './availability';
import styles from './InsightsCharts.module.css';
import { useInsights } from './queries';

/**
 * The insights' charts (Recharts), fetched only when they are about to be seen: neither the
 * dashboard's first screen nor its first load carries this module or the library
 * (docs/PERFORMANCE.md). Every chart has its figures in a table: hidden for the eye and read
 * by screen readers, or shown with "Ver tabela".
 */

const CHART_HEIGHT_PX = 220;
const SLICES = 8;
const SLICE_CLASSES = [
  styles.slice0,
  styles.slice1,
  styles.slice2,
  styles.slice3,
  styles.slice4,
  styles.slice5,
  styles.slice6,
  styles.slice7,
];
const SWATCH_CLASSES = [
  styles.swatch0,
  styles.swatch1,
  styles.swatch2,
  styles.swatch3,
  styles.swatch4,
  styles.swatch5,
  styles.swatch6,
  styles.swatch7,
];
const SERIES_CHOICES = ['6', '12'] as const;
const TOOLTIP_STYLE = {
  background: 'var(--mantine-color-body)',
  border: '1px solid var(--mantine-color-default-border)',
  color: 'var(--mantine-color-text)',
  borderRadius: 8,
};

/** R$ 1,2 mil: the axis has room for a short figure only; tables and tooltips carry the exact one. */
function compactBrl(cents: number, language: string): string {
  return new Intl.NumberFormat(language, {
    style: 'currency',
    currency: 'BRL',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(cents / 100);
}

function shortMonth(month: string, language: string): string {
  const [year, number] = month.split('-').map(Number);
  const date = new Date(Date.UTC(year ?? 2000, (number ?? 1) - 1, 15, 12));
  return new Intl.DateTimeFormat(language, { month: 'short', timeZone: 'UTC' }).format(date).replace('.', '');
}

function tooltipMoney(value: unknown): string {
  return typeof value === 'number' ? formatBrl(value) : String(value);
}

interface TableColumn {
  label: string;
  money?: boolean;
}

/** A chart's figures as a table: visually hidden until "Ver tabela", always there for screen readers. */
function ChartTable({
  caption,
  columns,
  rows,
}: {
  caption: string;
  columns: TableColumn[];
  rows: Array<Array<string | number>>;
}) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const table = (
    <Table.ScrollContainer minWidth={0}>
      <Table striped withTableBorder fz="sm">
        <caption>{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th key={column.label} ta={column.money ? 'right' : 'left'}>
                {column.label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={String(row[0])}>
              {row.map((cell, index) => {
                const column = columns[index];
                return (
                  <Table.Td key={column?.label ?? index} ta={column?.money ? 'right' : 'left'}>
                    {column?.money && typeof cell === 'number' ? <Money cents={cell} size="sm" /> : cell}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
  return (
    <Stack gap="xs">
      <Button
        variant="subtle"
        size="sm"
        onClick={() => setShown((value) => !value)}
        aria-expanded={shown}
        style={{ alignSelf: 'flex-start' }}
      >
        {shown ? t('insights.hideTable') : t('insights.showTable')}
      </Button>
      {shown ? table : <VisuallyHidden>{table}</VisuallyHidden>}
    </Stack>
  );
}

function ChartCard({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  const titleId = useId();
  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby={titleId} data-testid={testId}>
      <Stack gap="sm">
        <Title order={2} fz="lg" id={titleId}>
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}

/** The drawing itself is decoration for assistive technology: the table beside it says the same. */
function Drawing({ children }: { children: ReactNode }) {
  return (
    <div aria-hidden="true" className={styles.chart} style={{ width: '100%', height: CHART_HEIGHT_PX }}>
      {children}
    </div>
  );
}

export function SpendingDonut({ insights }: { insights: Insights }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const categoryName = (line: Insights['categories'][number]) =>
    line.name === null ? t('insights.uncategorised') : labels.category({ name: line.name, system_key: line.system_key });
  const spent = insights.categories.filter((line) => line.spent_cents > 0);
  const shown = spent.slice(0, SLICES - 1);
  const rest = spent.slice(SLICES - 1).reduce((sum, line) => sum + line.spent_cents, 0);
  const slices = [
    ...shown.map((line) => ({ key: line.category_id ?? 'none', name: categoryName(line), cents: line.spent_cents })),
    ...(rest > 0 ? [{ key: 'rest', name: t('insights.otherCategories'), cents: rest }] : []),
  ];
  return (
    <ChartCard title={t('insights.byCategoryTitle')} testId="chart-categories">
      {slices.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('insights.noSpending')}
        </Text>
      ) : (
        <>
          <Drawing>
            <ResponsiveContainer width="100%" height="100%">
              <PieChart>
                <Pie data={slices} dataKey="cents" nameKey="name" innerRadius="55%" outerRadius="90%" isAnimationActive={false}>
                  {slices.map((slice, index) => (
                    <Cell key={slice.key} className={SLICE_CLASSES[index % SLICES]} stroke="var(--mantine-color-body)" />
                  ))}
                </Pie>
                <Tooltip formatter={tooltipMoney} contentStyle={TOOLTIP_STYLE} />
              </PieChart>
            </ResponsiveContainer>
          </Drawing>
          <Stack gap={6}>
            {slices.map((slice, index) => (
              <Group key={slice.key} justify="space-between" wrap="nowrap" gap="xs">
                <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
                  <span className={`${styles.swatch} ${SWATCH_CLASSES[index % SLICES]}`} aria-hidden="true" />
                  <Text size="sm" truncate="end">
                    {slice.name}
                  </Text>
                </Group>
                <Money cents={slice.cents} size="sm" fw={600} />
              </Group>
            ))}
          </Stack>
          <ChartTable
            caption={t('insights.byCategoryTitle')}
            columns={[
              { label: t('insights.category') },
              { label: t('insights.spent'), money: true },
              { label: t('insights.lastMonth'), money: true },
              { label: t('insights.average3'), money: true },
            ]}
            rows={insights.categories.map((line) => [
              categoryName(line),
              line.spent_cents,
              line.last_month_cents,
              line.average_3_months_cents,
            ])}
          />
        </>
      )}
    </ChartCard>
  );
}

export function FlowBars({ insights }: { insights: Insights }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const [months, setMonths] = useState<(typeof SERIES_CHOICES)[number]>('6');
  const series = insights.series.slice(-Number(months));
  const data = series.map((point) => ({ ...point, label: shortMonth(point.month, language) }));
  return (
    <ChartCard title={t('insights.flowsTitle')} testId="chart-flows">
      <SegmentedControl
        value={months}
        onChange={(value) => setMonths(value as (typeof SERIES_CHOICES)[number])}
        data={SERIES_CHOICES.map((value) => ({ value, label: t('insights.months', { count: Number(value) }) }))}
        aria-label={t('insights.period')}
        size="md"
      />
      <Drawing>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 4, left: 4, bottom: 0 }}>
            <CartesianGrid vertical={false} />
            <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" />
            <YAxis tickFormatter={(value: number) => compactBrl(value, language)} width={72} tickLine={false} axisLine={false} />
            <Tooltip formatter={tooltipMoney} contentStyle={TOOLTIP_STYLE} />
            <Bar dataKey="income_cents" name={t('insights.income')} className={styles.income} isAnimationActive={false} />
            <Bar dataKey="expense_cents" name={t('insights.expenses')} className={styles.expense} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Drawing>
      <Group gap="md">
        <Group gap={6} wrap="nowrap">
          <span className={styles.swatch} style={{ background: 'var(--app-amount-positive)' }} aria-hidden="true" />
          <Text size="sm">{t('insights.income')}</Text>
        </Group>
        <Group gap={6} wrap="nowrap">
          <span className={styles.swatch} style={{ background: 'var(--app-amount-negative)' }} aria-hidden="true" />
          <Text size="sm">{t('insights.expenses')}</Text>
        </Group>
      </Group>
      <ChartTable
        caption={t('insights.flowsTitle')}
        columns={[
          { label: t('insights.month') },
          { label: t('insights.income'), money: true },
          { label: t('insights.expenses'), money: true },
        ]}
        rows={series.map((point) => [capitalize(monthLabel(point.month, language)), point.income_cents, point.expense_cents])}
      />
    </ChartCard>
  );
}

export function BalanceLine({ insights }: { insights: Insights }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const data = insights.series.map((point) => ({ ...point, label: shortMonth(point.month, language) }));
  return (
    <ChartCard title={t('insights.balanceTitle')} testId="chart-balance">
      <Drawing>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 8, left: 4, bottom: 0 }}>
            <CartesianGrid vertical={false} />
            <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" />
            <YAxis tickFormatter={(value: number) => compactBrl(value, language)} width={72} tickLine={false} axisLine={false} />
            <Tooltip formatter={tooltipMoney} contentStyle={TOOLTIP_STYLE} />
            <Line
              type="monotone"
              dataKey="balance_cents"
              name={t('insights.balance')}
              className={styles.balance}
              strokeWidth={2.5}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </Drawing>
      <ChartTable
        caption={t('insights.balanceTitle')}
        columns={[{ label: t('insights.month') }, { label: t('insights.balance'), money: true }]}
        rows={insights.series.map((point) => [capitalize(monthLabel(point.month, language)), point.balance_cents])}
      />
    </ChartCard>
  );
}

export function BudgetBars({ month }: { month: string }) {
  const { t } = useTranslation();
  const lineName = useBudgetLineName();
  const budget = useBudgetMonth(month);
  const lines = budget.data?.items ?? [];
  return (
    <ChartCard title={t('insights.budgetsTitle')} testId="chart-budgets">
      {budget.isError ? <ProblemAlert error={budget.error} context="load" /> : null}
      {budget.data && lines.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('dashboard.budgetEmpty')}
        </Text>
      ) : null}
      {lines.map((line) => (
        <Stack gap={4} key={line.id}>
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
              {lineName(line)}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
              <Money cents={line.spent_cents} size="sm" fw={600} /> /{' '}
              <Money cents={line.limit_cents + line.carried_cents} size="sm" />
            </Text>
          </Group>
          <Progress
            value={barValue(line.percent)}
            color={BUDGET_STATUS_COLORS[budgetStatus(line)]}
            size="md"
            radius="xl"
            aria-label={t('insights.budgetProgress', { name: lineName(line), percent: line.percent })}
          />
        </Stack>
      ))}
    </ChartCard>
  );
}

function Loading() {
  const { t } = useTranslation();
  return (
    <Center py="xl">
      <Loader size="sm" aria-label={t('app.loading')} />
    </Center>
  );
}

/** The dashboard's four charts for this month; nothing at all when insights are turned off. */
export function DashboardCharts({ month }: { month: string }) {
  const insights = useInsights(month);
  if (insights.isError) return isFeatureDisabled(insights.error) ? null : <ProblemAlert error={insights.error} context="load" />;
  if (!insights.data) return <Loading />;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg" data-testid="dashboard-charts">
      <SpendingDonut insights={insights.data} />
      <FlowBars insights={insights.data} />
      <BalanceLine insights={insights.data} />
      <BudgetBars month={month} />
    </SimpleGrid>
  );
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text c="dimmed" size="sm">
        {label}
      </Text>
      {children}
    </Stack>
  );
}

/** The Insights page's body for a month: the figures, the charts, the payees and the unusual expenses. */
export function InsightsDetails({ month }: { month: string }) {
  const { t, i18n } = useTranslation();
  const insights = useInsights(month);
  if (insights.isError) {
    return isFeatureDisabled(insights.error) ? (
      <Text c="dimmed">{t('insights.disabled')}</Text>
    ) : (
      <ProblemAlert error={insights.error} context="load" />
    );
  }
  const data = insights.data;
  if (!data) return <Loading />;
  const rate =
    data.savings_rate === null
      ? '—'
      : new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'percent', maximumFractionDigits: 1 }).format(data.savings_rate);
  return (
    <Stack gap="lg">
      <Card withBorder radius="lg" padding="lg" data-testid="insights-figures">
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md">
          <Figure label={t('insights.income')}>
            <Money cents={data.income_cents} fw={700} fz="lg" />
          </Figure>
          <Figure label={t('insights.expenses')}>
            <Money cents={data.expense_cents} fw={700} fz="lg" />
          </Figure>
          <Figure label={t('insights.net')}>
            <Money cents={data.net_cents} fw={700} fz="lg" colored signed />
          </Figure>
          <Figure label={t('insights.savingsRate')}>
            <Text fw={700} fz="lg" data-testid="savings-rate">
              {rate}
            </Text>
          </Figure>
        </SimpleGrid>
        {data.projection ? (
          <>
            <Divider my="md" />
            <Figure label={t('insights.projection')}>
              <Money cents={data.projection.projected_cents} fw={700} fz="lg" data-testid="projection" />
              <Text size="sm" c="dimmed">
                {t('insights.projectionDetail', {
                  balance: formatBrl(data.projection.balance_cents),
                  bills: formatBrl(data.projection.bills_cents),
                  income: formatBrl(data.projection.expected_income_cents),
                })}
              </Text>
            </Figure>
          </>
        ) : null}
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <SpendingDonut insights={data} />
        <FlowBars insights={data} />
        <BalanceLine insights={data} />
        <BudgetBars month={month} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <ChartCard title={t('insights.topPayeesTitle')} testId="top-payees">
          {data.top_payees.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t('insights.noSpending')}
            </Text>
          ) : (
            data.top_payees.map((payee) => (
              <Group key={payee.payee} justify="space-between" wrap="nowrap" gap="xs">
                <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
                  {payee.payee}{' '}
                  <Text span c="dimmed" size="xs">
                    ({t('insights.times', { count: payee.count })})
                  </Text>
                </Text>
                <Money cents={payee.spent_cents} size="sm" fw={600} />
              </Group>
            ))
          )}
        </ChartCard>
        <ChartCard title={t('insights.unusualTitle')} testId="unusual-expenses">
          <Text size="xs" c="dimmed">
            {t('insights.unusualRule')}
          </Text>
          {data.unusual_expenses.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t('insights.noUnusual')}
            </Text>
          ) : (
            data.unusual_expenses.map((expense) => (
              <Group key={expense.transaction_id} justify="space-between" wrap="nowrap" gap="xs">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text size="sm" truncate="end">
                    {expense.description}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('insights.usually', { amount: formatBrl(expense.median_cents) })}
                  </Text>
                </Stack>
                <Money cents={expense.amount_cents} size="sm" fw={600} />
              </Group>
            ))
          )}
        </ChartCard>
      </SimpleGrid>
    </Stack>
  );
}
