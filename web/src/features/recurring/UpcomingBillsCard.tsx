import { Anchor, Card, Center, Divider, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { RECURRING_PATH } from '../../app/paths';
import { ProblemAlert } from '../../components/ProblemAlert';
import { isoToDisplay } from '../../lib/dates';
import { useAccounts } from '../ledger/queries';
import { UPCOMING_DASHBOARD_DAYS, useUpcoming } from './queries';
import { accountsText, UpcomingAmount } from './UpcomingAgenda';

const BILLS_SHOWN_MAX = 5;

/** The dashboard's next bills: what falls due in the next 30 days, soonest first. */
export function UpcomingBillsCard() {
  const { t } = useTranslation();
  const upcoming = useUpcoming(UPCOMING_DASHBOARD_DAYS);
  const accounts = useAccounts().data ?? [];
  const accountsById = new Map(accounts.map((account) => [account.id, account]));
  const items = [...(upcoming.data?.items ?? [])]
    .sort((a, b) => a.occurs_on.localeCompare(b.occurs_on) || a.description.localeCompare(b.description))
    .slice(0, BILLS_SHOWN_MAX);
  return (
    <Card withBorder radius="lg" padding={0} component="section" aria-labelledby="dashboard-bills">
      <Group justify="space-between" px="md" py="sm" wrap="nowrap">
        <Title order={2} fz="lg" id="dashboard-bills">
          {t('dashboard.billsTitle')}
        </Title>
        <Anchor component={Link} to={RECURRING_PATH} size="sm" style={{ whiteSpace: 'nowrap' }}>
          {t('dashboard.seeAll')}
        </Anchor>
      </Group>
      <Divider />
      {upcoming.isError ? <ProblemAlert error={upcoming.error} context="load" /> : null}
      {upcoming.isPending ? (
        <Center p="lg">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {upcoming.isSuccess && items.length === 0 ? (
        <Stack gap={4} p="md">
          <Text c="dimmed" size="sm">
            {t('dashboard.billsEmpty', { days: UPCOMING_DASHBOARD_DAYS })}
          </Text>
          <Anchor component={Link} to={RECURRING_PATH} size="sm">
            {t('dashboard.billsCreate')}
          </Anchor>
        </Stack>
      ) : null}
      {items.length > 0 ? (
        <Stack gap={0}>
          {items.map((item, index) => (
            <Group
              key={`${item.rule_id}-${item.occurs_on}`}
              justify="space-between"
              wrap="nowrap"
              gap="sm"
              px="md"
              py="xs"
              align="flex-start"
              data-upcoming-bill=""
              style={index > 0 ? { borderTop: '1px solid var(--mantine-color-gray-2)' } : undefined}
            >
              <Stack gap={0} style={{ minWidth: 0 }}>
                <Text fw={600} size="sm" truncate="end">
                  {item.description}
                </Text>
                <Text size="xs" c="dimmed" truncate="end" style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {isoToDisplay(item.occurs_on)} · {accountsText(item, accountsById)}
                </Text>
              </Stack>
              <UpcomingAmount item={item} size="sm" />
            </Group>
          ))}
        </Stack>
      ) : null}
    </Card>
  );
}
