import { ActionIcon, Badge, Box, Group, Menu, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DotsIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { useLedgerLabels } from '../ledger/labels';
import type { BudgetLine } from './api';
import { BUDGET_STATUS_COLORS, type BudgetStatus, barValue, budgetStatus } from './status';

/** Names a budget line the way categories are named everywhere (defaults translated). */
export function useBudgetLineName() {
  const labels = useLedgerLabels();
  return (line: Pick<BudgetLine, 'category_name' | 'category_system_key'>) =>
    labels.category({ name: line.category_name, system_key: line.category_system_key });
}

/** The badge's text colour: light yellow needs a darker shade to stay readable. */
const BADGE_TEXT: Record<BudgetStatus, string | undefined> = { ok: undefined, warning: 'yellow.9', over: undefined };

export function StatusBadge({ status }: { status: BudgetStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      size="sm"
      variant="light"
      color={BUDGET_STATUS_COLORS[status]}
      c={BADGE_TEXT[status]}
      style={{ flexShrink: 0 }}
      data-testid="budget-status"
    >
      {t(`budgets.status.${status}`)}
    </Badge>
  );
}

interface BudgetLineRowProps {
  line: BudgetLine;
  name: string;
  onEdit?: () => void;
  onRemove?: () => void;
}

/**
 * One category's month: spent of available, a bar coloured by status (green, amber past
 * the first alert, red at 100 %) that says the status in words too, and what is left.
 */
export function BudgetLineRow({ line, name, onEdit, onRemove }: BudgetLineRowProps) {
  const { t } = useTranslation();
  const status = budgetStatus(line);
  const withMenu = onEdit !== undefined || onRemove !== undefined;
  return (
    <Box px="md" py="sm" data-budget-line="" data-category-name={name} data-status={status}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={600} lineClamp={2} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
            {name}
          </Text>
          <Group gap={4} wrap="nowrap">
            <StatusBadge status={status} />
            {withMenu ? (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label={t('budgets.actions', { category: name })}>
                    <DotsIcon size={18} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  {onEdit ? <Menu.Item onClick={onEdit}>{t('budgets.edit')}</Menu.Item> : null}
                  {onRemove ? (
                    <Menu.Item color="red" onClick={onRemove} data-writes>
                      {t('budgets.remove')}
                    </Menu.Item>
                  ) : null}
                </Menu.Dropdown>
              </Menu>
            ) : null}
          </Group>
        </Group>
        <Group justify="space-between" wrap="nowrap" gap="xs" align="baseline">
          <Group gap={6} wrap="wrap" align="baseline" style={{ minWidth: 0 }}>
            <Money cents={line.spent_cents} fw={700} data-testid="budget-spent" />
            <Text component="span" size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {t('budgets.of')} <Money cents={line.available_cents} />
            </Text>
          </Group>
          <Text
            fw={700}
            size="sm"
            style={{ whiteSpace: 'nowrap' }}
            c={status === 'over' ? 'var(--app-amount-negative)' : undefined}
          >
            {line.percent}%
          </Text>
        </Group>
        <Progress
          value={barValue(line.percent)}
          color={BUDGET_STATUS_COLORS[status]}
          size="md"
          radius="xl"
          aria-label={t('budgets.progressLabel', {
            category: name,
            percent: line.percent,
            status: t(`budgets.status.${status}`),
          })}
        />
        <Group justify="space-between" gap={4} wrap="wrap">
          {line.remaining_cents >= 0 ? (
            <Text size="sm" c="dimmed">
              {t('budgets.remaining')} <Money cents={line.remaining_cents} fw={600} c="bright" />
            </Text>
          ) : (
            <Text size="sm" c="red.7">
              {t('budgets.exceeded')} <Money cents={-line.remaining_cents} fw={600} />
            </Text>
          )}
          {line.carried_cents !== 0 ? (
            <Text size="xs" c="dimmed">
              {line.carried_cents > 0 ? t('budgets.carriedIn') : t('budgets.carriedOut')}{' '}
              <Money cents={Math.abs(line.carried_cents)} size="xs" />
            </Text>
          ) : null}
        </Group>
      </Stack>
    </Box>
  );
}
