import { ActionIcon, Alert, Badge, Box, Group, List, Menu, Stack, Text } from '@mantine/core';
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
}: {
  rule: RecurringRule;
  accountsById: ReadonlyMap<string, Account>;
  onAction: (action: RuleAction) => void;
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
            <List size="sm" spacing={2}>
              {rule.failed_occurrences.map((failure) => (
                <List.Item key={failure.occurs_on}>
                  {t('recurring.failed', { date: isoToDisplay(failure.occurs_on), reason: labels.failure(failure) })}
                </List.Item>
              ))}
            </List>
          </Alert>
        ) : null}
      </Stack>
    </Box>
  );
}
