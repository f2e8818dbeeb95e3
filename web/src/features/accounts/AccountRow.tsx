import { Badge, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Account } from '../../api/ledger';
import { ACCOUNTS_PATH } from '../../app/paths';
import { Money } from '../../components/Money';
import { cardPath } from '../cards/paths';
import { useLedgerLabels } from '../ledger/labels';

export function accountPath(id: string): string {
  return `${ACCOUNTS_PATH}/${id}`;
}

/** Where an account's row leads: a credit card to its bills, any other account to its statement. */
export function accountHomePath(account: Pick<Account, 'id' | 'type'>): string {
  return account.type === 'credit_card' ? cardPath(account.id) : accountPath(account.id);
}

/** One account in a list: name and type on the left, balance on the right, never overlapping. */
export function AccountRow({ account, menu }: { account: Account; menu?: ReactNode }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  return (
    <Group wrap="nowrap" gap="xs" py="sm" px="md" data-account-row="" data-account-name={account.name}>
      <UnstyledButton component={Link} to={accountHomePath(account)} style={{ flex: 1, minWidth: 0 }}>
        <Group wrap="nowrap" gap="sm" justify="space-between">
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text fw={600} lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
              {account.name}
            </Text>
            <Group gap={6} wrap="nowrap">
              <Text size="xs" c="dimmed" truncate="end">
                {labels.accountType(account.type)}
              </Text>
              {account.archived ? (
                <Badge size="xs" variant="light" color="gray">
                  {t('accounts.archivedBadge')}
                </Badge>
              ) : null}
            </Group>
          </Stack>
          <Money
            cents={account.balance_cents}
            fw={700}
            c={account.balance_cents < 0 ? 'var(--app-amount-negative)' : undefined}
          />
        </Group>
      </UnstyledButton>
      {menu}
    </Group>
  );
}
