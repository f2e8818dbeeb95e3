import { Button, Card, Center, Divider, Flex, Group, Loader, Modal, Progress, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PieIcon, PlusIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { errorMessageKey } from '../../i18n/problems';
import { currentMonth, isMonth, monthLabel, shiftMonth } from '../../lib/months';
import { LEDGER_KEYS } from '../ledger/queries';
import { type BudgetLine, type BudgetMonth, copyPreviousBudgets, deleteBudget } from './api';
import { BudgetForm } from './BudgetForm';
import { BudgetLineRow, useBudgetLineName } from './BudgetLineRow';
import { MonthPicker } from './MonthPicker';
import { budgetMonthKey, useBudgetMonth } from './queries';
import { BUDGET_STATUS_COLORS, barValue, totalsStatus } from './status';

/** The month lives in the address (?mes=2026-11), so a month can be reloaded or shared. */
const MONTH_PARAM = 'mes';

type Dialog = { kind: 'none' } | { kind: 'create' } | { kind: 'edit'; line: BudgetLine };

/** "Orçamentos": a month's limits per expense category, how much of each is spent, and the month's totals. */
export function BudgetsPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('budgets.pageTitle'));
  const phone = usePhoneLayout();
  const lineName = useBudgetLineName();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const requested = params.get(MONTH_PARAM);
  const month = isMonth(requested) ? requested : currentMonth();
  const budget = useBudgetMonth(month);
  const [dialog, setDialog] = useState<Dialog>({ kind: 'none' });
  const close = () => setDialog({ kind: 'none' });
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const previousMonthName = monthLabel(shiftMonth(month, -1), language);

  const changeMonth = (next: string) => {
    setParams(next === currentMonth() ? new URLSearchParams() : new URLSearchParams({ [MONTH_PARAM]: next }), {
      replace: true,
    });
  };

  const copy = useMutation({
    mutationFn: () => copyPreviousBudgets(month),
    onSuccess: (copied) => {
      const before = queryClient.getQueryData<BudgetMonth>(budgetMonthKey(month))?.items.length ?? 0;
      const added = copied.items.length - before;
      queryClient.setQueryData(budgetMonthKey(month), copied);
      notifications.show({
        color: added > 0 ? 'brand' : 'gray',
        message:
          added > 0
            ? t('budgets.copiedDone', { month: previousMonthName, count: added })
            : t('budgets.copiedNothing', { month: previousMonthName }),
      });
    },
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
  });

  const remove = useMutation({
    mutationFn: (line: BudgetLine) => deleteBudget({ month, categoryId: line.category_id }),
    onSuccess: (_, line) =>
      notifications.show({ color: 'brand', message: t('budgets.removedDone', { category: lineName(line) }) }),
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.budgets }),
  });

  const data = budget.data?.month === month ? budget.data : undefined;
  const lines = [...(data?.items ?? [])].sort((a, b) => b.percent - a.percent || lineName(a).localeCompare(lineName(b)));
  const budgetedCategoryIds = new Set(lines.map((line) => line.category_id));

  return (
    <Stack gap="lg" maw={820} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('budgets.pageTitle')}
      </Title>
      <MonthPicker month={month} onChange={changeMonth} />
      {/* On a phone the two actions stack, so neither label is cut. */}
      <Flex gap="xs" direction={phone ? 'column' : 'row'}>
        <Button leftSection={<PlusIcon size={18} />} onClick={() => setDialog({ kind: 'create' })}>
          {t('budgets.set')}
        </Button>
        <Button variant="light" onClick={() => copy.mutate()} loading={copy.isPending} data-writes>
          {t('budgets.copyPrevious')}
        </Button>
      </Flex>

      {budget.isError ? <ProblemAlert error={budget.error} context="load" /> : null}
      {!data && !budget.isError ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {data ? <Totals data={data} /> : null}
      {data && lines.length === 0 ? (
        <Card withBorder radius="lg" padding="xl">
          <Stack align="center" gap="xs" ta="center">
            <Text c="brand.6" aria-hidden="true">
              <PieIcon size={36} />
            </Text>
            <Text fw={700}>{t('budgets.empty', { month: monthLabel(month, language) })}</Text>
            <Text c="dimmed" size="sm" maw={420}>
              {t('budgets.emptyHint')}
            </Text>
          </Stack>
        </Card>
      ) : null}
      {lines.length > 0 ? (
        <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="budget-lines">
          <Title order={2} fz="lg" px="md" py="sm" id="budget-lines">
            {t('budgets.linesTitle')}
          </Title>
          {lines.map((line) => (
            <Fragment key={line.id}>
              <Divider />
              <BudgetLineRow
                line={line}
                name={lineName(line)}
                onEdit={() => setDialog({ kind: 'edit', line })}
                onRemove={() => remove.mutate(line)}
              />
            </Fragment>
          ))}
        </Card>
      ) : null}

      <Modal
        opened={dialog.kind !== 'none'}
        onClose={close}
        title={
          dialog.kind === 'edit'
            ? t('budgets.form.editTitle', { category: lineName(dialog.line) })
            : t('budgets.form.createTitle')
        }
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {dialog.kind === 'create' ? <BudgetForm month={month} budgetedCategoryIds={budgetedCategoryIds} onDone={close} /> : null}
        {dialog.kind === 'edit' ? (
          <BudgetForm month={month} line={dialog.line} budgetedCategoryIds={budgetedCategoryIds} onDone={close} />
        ) : null}
      </Modal>
    </Stack>
  );
}

/** The month at a glance: budgeted, spent, left, and spending outside any budget. */
function Totals({ data }: { data: BudgetMonth }) {
  const { t } = useTranslation();
  const { totals } = data;
  const status = totalsStatus(totals);
  const percent = totals.available_cents > 0 ? Math.floor((totals.spent_cents * 100) / totals.available_cents) : 0;
  const rows = [
    { label: t('budgets.totals.available'), cents: totals.available_cents, testId: 'budget-total-available' },
    { label: t('budgets.totals.spent'), cents: totals.spent_cents, testId: 'budget-total-spent' },
    {
      label: totals.remaining_cents >= 0 ? t('budgets.totals.remaining') : t('budgets.totals.over'),
      cents: Math.abs(totals.remaining_cents),
      testId: 'budget-total-remaining',
      color: totals.remaining_cents < 0 ? 'red.7' : undefined,
    },
  ];
  return (
    <Card withBorder radius="lg" padding="lg" component="section" aria-label={t('budgets.totals.label')}>
      <Stack gap="sm">
        {data.items.length > 0 ? (
          <Progress
            value={barValue(percent)}
            color={BUDGET_STATUS_COLORS[status]}
            size="lg"
            radius="xl"
            aria-label={t('budgets.totals.progressLabel', { percent })}
          />
        ) : null}
        {rows.map((row) => (
          <Group key={row.testId} justify="space-between" gap="xs" wrap="wrap">
            <Text size="sm" c="dimmed">
              {row.label}
            </Text>
            <Money cents={row.cents} fw={700} c={row.color} data-testid={row.testId} />
          </Group>
        ))}
        <Divider />
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Text size="sm" c="dimmed">
            {t('budgets.unbudgeted')}
          </Text>
          <Money cents={data.unbudgeted_spent_cents} fw={600} data-testid="budget-unbudgeted" />
        </Group>
      </Stack>
    </Card>
  );
}
