import { Avatar, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ChevronDownIcon, LogoutIcon } from '../components/icons';
import { LOGIN_PATH } from '../features/auth/guards';
import { type CurrentUser, useLogout } from '../features/auth/session';

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

  const onLogout = () => {
    logout.mutate(undefined, {
      onSettled: () => {
        notifications.show({ message: t('userMenu.loggedOut') });
        void navigate(LOGIN_PATH, { replace: true });
      },
    });
  };

  return (
    <Menu position="bottom-end" width={240} shadow="md" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('userMenu.label')} style={{ borderRadius: 999 }} p={4}>
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
        <Menu.Divider />
        <Menu.Item leftSection={<LogoutIcon size={18} />} onClick={onLogout} disabled={logout.isPending}>
          {t('userMenu.logout')}
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
