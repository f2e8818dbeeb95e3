import { ActionIcon, Button, Card, Center, Divider, Group, Loader, Menu, Modal, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { type Account, patchAccount } from '../../api/ledger';
import { DotsIcon, PlusIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { errorMessageKey } from '../../i18n/problems';
import { cardPath } from '../cards/paths';
import { activeAccounts, LEDGER_KEYS, totalBalanceCents, useAccounts } from '../ledger/queries';
import { AccountForm } from './AccountForm';
import { AccountRow, accountPath } from './AccountRow';
import { AccountSettingsForm } from './AccountSettingsForm';
import { RenameAccountForm } from './RenameAccountForm';

export function AccountsPage() {
  const { t } = useTranslation();
  usePageTitle(t('accounts.pageTitle'));
  const phone = usePhoneLayout();
  const accounts = useAccounts();
  const [showArchived, setShowArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<Account | null>(null);
  const [configuring, setConfiguring] = useState<Account | null>(null);

  const active = activeAccounts(accounts.data);
  const archivedCount = (accounts.data?.length ?? 0) - active.length;
  const shown = showArchived ? (accounts.data ?? []) : active;

  return (
    <Stack gap="lg" maw={820} mx="auto">
      <Group justify="space-between" gap="sm" wrap="nowrap">
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('accounts.pageTitle')}
        </Title>
        <Button leftSection={<PlusIcon size={18} />} onClick={() => setCreating(true)}>
          {t('accounts.new')}
        </Button>
      </Group>

      {accounts.isError ? <ProblemAlert error={accounts.error} context="load" /> : null}
      {accounts.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}

      {accounts.data ? (
        <Card withBorder radius="lg" padding={0}>
          <Group justify="space-between" wrap="wrap" gap={4} px="md" py="md" bg="var(--mantine-primary-color-light)">
            <Text fw={600} style={{ whiteSpace: 'nowrap' }}>
              {t('accounts.total')}
            </Text>
            <Money cents={totalBalanceCents(active)} fz="xl" fw={800} data-testid="accounts-total" />
          </Group>
          {shown.length === 0 ? (
            <Text c="dimmed" ta="center" p="xl">
              {t('accounts.empty')}
            </Text>
          ) : (
            shown.map((account) => (
              <Fragment key={account.id}>
                <Divider />
                <AccountRow
                  account={account}
                  menu={
                    <AccountMenu
                      account={account}
                      onRename={() => setRenaming(account)}
                      onConfigure={() => setConfiguring(account)}
                    />
                  }
                />
              </Fragment>
            ))
          )}
        </Card>
      ) : null}

      {archivedCount > 0 ? (
        <Switch
          checked={showArchived}
          onChange={(event) => setShowArchived(event.currentTarget.checked)}
          label={`${t('accounts.showArchived')} (${archivedCount})`}
        />
      ) : null}

      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        title={t('accounts.create.title')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {creating ? <AccountForm onDone={() => setCreating(false)} /> : null}
      </Modal>
      <Modal
        opened={renaming !== null}
        onClose={() => setRenaming(null)}
        title={t('accounts.renameForm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {renaming ? <RenameAccountForm account={renaming} onDone={() => setRenaming(null)} /> : null}
      </Modal>
      <Modal
        opened={configuring !== null}
        onClose={() => setConfiguring(null)}
        title={t('accountSettings.title')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {configuring ? <AccountSettingsForm account={configuring} onDone={() => setConfiguring(null)} /> : null}
      </Modal>
    </Stack>
  );
}

function AccountMenu({ account, onRename, onConfigure }: { account: Account; onRename: () => void; onConfigure: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const archive = useMutation({
    mutationFn: () => patchAccount(account.id, { archived: !account.archived, row_version: account.row_version }),
    onSuccess: (saved) =>
      notifications.show({
        color: 'brand',
        message: t(saved.archived ? 'accounts.archivedDone' : 'accounts.unarchivedDone', { name: saved.name }),
      }),
    // A stale version or a refusal: say why; the refreshed list then carries the current version.
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts }),
  });

  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" color="gray" size="lg" aria-label={t('accounts.actions', { name: account.name })}>
          <DotsIcon size={20} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {account.type === 'credit_card' ? (
          <Menu.Item onClick={() => void navigate(cardPath(account.id))}>{t('cards.open')}</Menu.Item>
        ) : null}
        <Menu.Item onClick={() => void navigate(accountPath(account.id))}>{t('accounts.statement')}</Menu.Item>
        <Menu.Item onClick={onRename}>{t('accounts.rename')}</Menu.Item>
        <Menu.Item onClick={onConfigure}>{t('accountSettings.menu')}</Menu.Item>
        <Menu.Item onClick={() => archive.mutate()} disabled={archive.isPending} data-writes>
          {account.archived ? t('accounts.unarchive') : t('accounts.archive')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
