import { Avatar, Button, Group, Menu, Modal, Stack, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ChevronDownIcon, ListIcon, LogoutIcon, UserIcon } from '../components/icons';
import { ProblemAlert } from '../components/ProblemAlert';
import { LOGIN_PATH } from '../features/auth/guards';
import { type CurrentUser, ME_QUERY_KEY, useLogout, useLogoutEverywhere } from '../features/auth/session';
import { useServerLanguage } from '../features/profile/queries';
import { MY_DATA_PATH, OPERATIONS_PATH, PROFILE_PATH } from './paths';

const INITIALS_MAX = 2;

function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter((part) => part.length > 0)
    .slice(0, INITIALS_MAX)
    .map((part) => part[0]?.toLocaleUpperCase() ?? '')
    .join('');
}

export function UserMenu({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const logout = useLogout();
  const [confirmingEverywhere, setConfirmingEverywhere] = useState(false);
  // The header is on every signed-in screen: the language saved on the profile applies here.
  useServerLanguage(user);
  useOperatorFlag(user);

  const onLogout = () => {
    logout.mutate(undefined, {
      onSettled: () => {
        notifications.show({ message: t('userMenu.loggedOut') });
        void navigate(LOGIN_PATH, { replace: true });
      },
    });
  };

  return (
    <>
      <AccountMenu
        user={user}
        onLogout={onLogout}
        logoutPending={logout.isPending}
        onLogoutEverywhere={() => setConfirmingEverywhere(true)}
      />
      <Modal
        opened={confirmingEverywhere}
        onClose={() => setConfirmingEverywhere(false)}
        title={t('userMenu.everywhereConfirm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {confirmingEverywhere ? <LogoutEverywhereConfirm onCancel={() => setConfirmingEverywhere(false)} /> : null}
      </Modal>
    </>
  );
}

/**
 * Signing in or registering stores the person the server answered, which does not say
 * whether they operate this installation (only GET /api/me does): ask once, so the
 * "Operação" entry appears without a reload.
 */
function useOperatorFlag(user: CurrentUser) {
  const queryClient = useQueryClient();
  const unknown = user.is_operator === undefined;
  useEffect(() => {
    if (unknown) void queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
  }, [unknown, queryClient]);
}

/** The confirmation of "sign out everywhere", also offered on the profile page. */
export function LogoutEverywhereConfirm({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mutation = useLogoutEverywhere();
  const confirm = () =>
    mutation.mutate(undefined, {
      onSuccess: () => {
        notifications.show({ message: t('userMenu.loggedOutEverywhere') });
        void navigate(LOGIN_PATH, { replace: true });
      },
    });
  return (
    <Stack gap="md">
      <Text size="sm">{t('userMenu.everywhereConfirm.text')}</Text>
      <ProblemAlert error={mutation.error} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onCancel} disabled={mutation.isPending}>
          {t('forms.cancel')}
        </Button>
        <Button color="red" onClick={confirm} loading={mutation.isPending} data-autofocus data-writes>
          {t('userMenu.everywhereConfirm.confirm')}
        </Button>
      </Group>
    </Stack>
  );
}

interface AccountMenuProps {
  user: CurrentUser;
  onLogout: () => void;
  logoutPending: boolean;
  onLogoutEverywhere: () => void;
}

function AccountMenu({ user, onLogout, logoutPending, onLogoutEverywhere }: AccountMenuProps) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" width={240} shadow="md" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('userMenu.label')} style={{ borderRadius: 999 }} p={5}>
          <Group gap={8} wrap="nowrap">
            <Avatar color="brand" radius="xl" size={34}>
              {initialsOf(user.name)}
            </Avatar>
            <Text fw={600} size="sm" visibleFrom="sm" maw={180} truncate="end">
              {user.name}
            </Text>
            <Text component="span" c="dimmed" visibleFrom="sm" style={{ display: 'flex' }}>
              <ChevronDownIcon size={16} />
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('userMenu.signedInAs')}</Menu.Label>
        <Stacked name={user.name} email={user.email} />
        <Menu.Item component={Link} to={PROFILE_PATH} leftSection={<UserIcon size={18} />}>
          {t('profile.menuLink')}
        </Menu.Item>
        <Menu.Item component={Link} to={MY_DATA_PATH} leftSection={<UserIcon size={18} />}>
          {t('privacy.title')}
        </Menu.Item>
        {user.is_operator ? (
          <Menu.Item component={Link} to={OPERATIONS_PATH} leftSection={<ListIcon size={18} />}>
            {t('operations.menuLink')}
          </Menu.Item>
        ) : null}
        <Menu.Divider />
        <Menu.Item leftSection={<LogoutIcon size={18} />} onClick={onLogout} disabled={logoutPending} data-writes>
          {t('userMenu.logout')}
        </Menu.Item>
        <Menu.Item leftSection={<LogoutIcon size={18} />} color="red" onClick={onLogoutEverywhere}>
          {t('userMenu.logoutEverywhere')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function Stacked({ name, email }: { name: string; email: string }) {
  return (
    <div style={{ padding: '2px 12px 8px' }}>
      <Text fw={600} size="sm" truncate="end">
        {name}
      </Text>
      <Text c="dimmed" size="xs" truncate="end">
        {email}
      </Text>
    </div>
  );
}
