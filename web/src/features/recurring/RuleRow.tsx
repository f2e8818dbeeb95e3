import { ActionIcon, Alert, Badge, Box, Button, Group, Menu, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../api/ledger';
import { AlertIcon, DotsIcon } from '../../components/icons';
import { isoToDisplay } from '../../lib/dates';
import type { RecurringRule } from './api';
import { useRecurringLabels } from './labels';
import { accountsText, UpcomingAmount } from './UpcomingAgenda';

export type RuleAction = 'edit' | 'pause' | 'resume' | 'end';

const STATUS_COLORS: Record<RecurringRule['status'], string> = { active: 'green', paused: 'yellow', ended: 'gray' };
const TYPE_COLORS: Record<RecurringRule['type'], string> = { expense: 'red', income: 'teal', transfer: 'gray' };

/**
 * One rule: what it posts, how often and where, when next, how many were posted, and the
 * recent occurrences that could not be posted, with the reason in plain words.
 */
export function RuleRow({
  rule,
  accountsById,
  onAction,
  onRetry,
  retrying,
}: {
  rule: RecurringRule;
  accountsById: ReadonlyMap<string, Account>;
  onAction: (action: RuleAction) => void;
  /** Posts one failed occurrence after all. */
  onRetry: (occursOn: string) => void;
  /** The failed occurrence whose retry is on its way, if any. */
  retrying: string | null;
}) {
  const { t } = useTranslation();
  const labels = useRecurringLabels();
  return (
    <Box px="md" py="sm" data-rule-row="" data-rule-name={rule.description} data-status={rule.status}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
          <Stack gap={4} style={{ minWidth: 0 }}>
            <Text
              fw={600}
              lineClamp={2}
              style={{ overflowWrap: 'anywhere' }}
              td={rule.status === 'ended' ? 'line-through' : undefined}
            >
              {rule.description}
            </Text>
            <Group gap={6}>
              <Badge size="xs" variant="light" color={TYPE_COLORS[rule.type]}>
                {t(`recurring.types.${rule.type}`)}
              </Badge>
              <Badge
                size="xs"
                variant="light"
                color={STATUS_COLORS[rule.status]}
                c={rule.status === 'paused' ? 'yellow.9' : undefined}
              >
                {t(`recurring.status.${rule.status}`)}
              </Badge>
            </Group>
          </Stack>
          <Group gap={2} wrap="nowrap">
            <UpcomingAmount item={rule} />
            {rule.status === 'ended' ? null : (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label={t('recurring.actions', { name: rule.description })}>
                    <DotsIcon size={18} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item onClick={() => onAction('edit')}>{t('recurring.edit')}</Menu.Item>
                  <Menu.Item onClick={() => onAction(rule.status === 'paused' ? 'resume' : 'pause')} data-writes>
                    {rule.status === 'paused' ? t('recurring.resume') : t('recurring.pause')}
                  </Menu.Item>
                  <Menu.Item color="red" onClick={() => onAction('end')}>
                    {t('recurring.end')}
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        </Group>
        <Text size="sm" c="dimmed">
          {labels.schedule(rule.schedule)} · {accountsText(rule, accountsById)}
        </Text>
        <Group gap="md" wrap="wrap">
          {rule.status === 'active' ? (
            <Text size="sm" data-testid="rule-next">
              {rule.next_occurrence_on
                ? t('recurring.next', { date: isoToDisplay(rule.next_occurrence_on) })
                : t('recurring.noNext')}
            </Text>
          ) : null}
          <Text size="sm" c="dimmed">
            {t('recurring.posted', { count: rule.posted_count })}
          </Text>
        </Group>
        {rule.failed_occurrences.length > 0 ? (
          <Alert
            color="red"
            variant="light"
            icon={<AlertIcon size={18} />}
            title={t('recurring.failedTitle')}
            p="xs"
            data-testid="rule-failures"
          >
            <Stack gap={4}>
              {rule.failed_occurrences.map((failure) => (
                <Group
                  key={failure.occurs_on}
                  gap="xs"
                  justify="space-between"
                  wrap="wrap"
                  data-failed-occurrence={failure.occurs_on}
                >
                  <Text size="sm" style={{ flex: '1 1 12rem' }}>
                    {t('recurring.failed', { date: isoToDisplay(failure.occurs_on), reason: labels.failure(failure) })}
                  </Text>
                  <Button
                    size="xs"
                    variant="light"
                    color="red"
                    onClick={() => onRetry(failure.occurs_on)}
                    loading={retrying === failure.occurs_on}
                    disabled={retrying !== null && retrying !== failure.occurs_on}
                    aria-label={t('recurring.retryLabel', { date: isoToDisplay(failure.occurs_on) })}
                    data-writes
                  >
                    {t('recurring.retry')}
                  </Button>
                </Group>
              ))}
            </Stack>
          </Alert>
        ) : null}
      </Stack>
    </Box>
  );
}
