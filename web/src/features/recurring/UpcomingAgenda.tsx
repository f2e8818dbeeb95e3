import { Box, Group, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../api/ledger';
import { Money } from '../../components/Money';
import { isoToDisplay } from '../../lib/dates';
import { capitalize, monthLabel } from '../../lib/months';
import { groupAgenda, signedCents, weekdayOf } from './agenda';
import type { UpcomingItem } from './api';

/** "Nubank" or, for a transfer, "Nubank → Poupança". */
export function accountsText(
  item: Pick<UpcomingItem, 'account_id' | 'to_account_id'>,
  accountsById: ReadonlyMap<string, Account>,
): string {
  const name = (id: string) => accountsById.get(id)?.name ?? '—';
  return item.to_account_id ? `${name(item.account_id)} → ${name(item.to_account_id)}` : name(item.account_id);
}

export function UpcomingAmount({ item, size }: { item: Pick<UpcomingItem, 'type' | 'amount_cents'>; size?: string }) {
  // A transfer between one's own accounts is neither in nor out: shown plain.
  return item.type === 'transfer' ? (
    <Money cents={item.amount_cents} fw={600} size={size} />
  ) : (
    <Money cents={signedCents(item.type, item.amount_cents)} signed colored fw={600} size={size} />
  );
}

/**
 * The bills calendar: month by month (with what goes out and comes in), day by day, each
 * day with its date written out (dd/mm/aaaa) and the occurrences due on it.
 */
export function UpcomingAgenda({ items, accounts }: { items: readonly UpcomingItem[]; accounts: readonly Account[] }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const accountsById = new Map(accounts.map((account) => [account.id, account]));
  return (
    <Stack gap={0}>
      {groupAgenda(items).map((month) => {
        const title = capitalize(monthLabel(month.month, language));
        return (
          <Box key={month.month} component="section" aria-label={title} data-upcoming-month={month.month}>
            <Group justify="space-between" gap={4} px="md" py={6} bg="var(--app-background)" wrap="wrap">
              <Text fw={700} size="sm">
                {title}
              </Text>
              <Group gap="sm" wrap="wrap">
                {month.outCents > 0 ? (
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                    {t('recurring.out')} <Money cents={-month.outCents} size="xs" c="var(--app-amount-negative)" fw={600} />
                  </Text>
                ) : null}
                {month.incomeCents > 0 ? (
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                    {t('recurring.in')}{' '}
                    <Money cents={month.incomeCents} signed size="xs" c="var(--app-amount-positive)" fw={600} />
                  </Text>
                ) : null}
              </Group>
            </Group>
            {month.days.map((day) => (
              <Group
                key={day.date}
                wrap="nowrap"
                align="flex-start"
                gap="sm"
                px="md"
                py="sm"
                data-upcoming-day=""
                data-date={day.date}
                style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
              >
                <Paper
                  withBorder
                  radius="md"
                  w={44}
                  py={4}
                  ta="center"
                  style={{ flexShrink: 0 }}
                  aria-hidden="true"
                  bg="var(--mantine-primary-color-light)"
                >
                  <Text fw={800} lh={1.1} fz="lg" c="brand.8">
                    {Number(day.date.slice(8, 10))}
                  </Text>
                  <Text fz={10} tt="uppercase" c="brand.8" fw={600}>
                    {weekdayOf(day.date, language).slice(0, 3)}
                  </Text>
                </Paper>
                <Stack gap={6} style={{ flex: 1, minWidth: 0 }}>
                  <Text size="xs" c="dimmed" style={{ fontVariantNumeric: 'tabular-nums' }} data-testid="upcoming-date">
                    {isoToDisplay(day.date)} · {weekdayOf(day.date, language)}
                  </Text>
                  {day.items.map((item) => (
                    <Group
                      key={`${item.rule_id}-${item.occurs_on}`}
                      justify="space-between"
                      wrap="nowrap"
                      gap="sm"
                      align="flex-start"
                      data-upcoming-item=""
                    >
                      <Stack gap={0} style={{ minWidth: 0 }}>
                        <Text fw={600} size="sm" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
                          {item.description}
                        </Text>
                        <Text size="xs" c="dimmed" truncate="end">
                          {accountsText(item, accountsById)}
                        </Text>
                      </Stack>
                      <UpcomingAmount item={item} size="sm" />
                    </Group>
                  ))}
                </Stack>
              </Group>
            ))}
          </Box>
        );
      })}
    </Stack>
  );
}
