import { ActionIcon, Anchor, Card, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ChevronLeftIcon, ChevronRightIcon } from '../../components/icons';
import { capitalize, currentMonth, MONTH_MAX, MONTH_MIN, monthLabel, shiftMonth } from '../../lib/months';

/** Previous / next month around the month's name, and a way back to this month. */
/** `max`: the last month one can step to (the insights stop at the current month). */
export function MonthPicker({
  month,
  onChange,
  max = MONTH_MAX,
}: {
  month: string;
  onChange: (month: string) => void;
  max?: string;
}) {
  const { t, i18n } = useTranslation();
  const thisMonth = currentMonth();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  return (
    <Card withBorder radius="lg" padding="sm" component="nav" aria-label={t('budgets.monthLabel')}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <ActionIcon
          variant="default"
          size="lg"
          radius="md"
          aria-label={t('budgets.previousMonth')}
          onClick={() => onChange(shiftMonth(month, -1))}
          disabled={month <= MONTH_MIN}
        >
          <ChevronLeftIcon size={20} />
        </ActionIcon>
        <Stack gap={0} align="center" style={{ minWidth: 0 }}>
          <Text fw={700} fz="lg" ta="center" aria-live="polite" data-testid="budget-month">
            {capitalize(monthLabel(month, language))}
          </Text>
          {month === thisMonth ? (
            <Text size="xs" c="dimmed">
              {t('budgets.thisMonth')}
            </Text>
          ) : (
            <Anchor component="button" type="button" size="xs" onClick={() => onChange(thisMonth)}>
              {t('budgets.backToThisMonth')}
            </Anchor>
          )}
        </Stack>
        <ActionIcon
          variant="default"
          size="lg"
          radius="md"
          aria-label={t('budgets.nextMonth')}
          onClick={() => onChange(shiftMonth(month, 1))}
          disabled={month >= max}
        >
          <ChevronRightIcon size={20} />
        </ActionIcon>
      </Group>
    </Card>
  );
}
