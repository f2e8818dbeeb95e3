import { Badge, Card, EmptyState, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { WalletIcon } from '../../components/icons';
import { usePageTitle } from '../../components/usePageTitle';
import { useMe } from '../auth/session';

// Dates are shown in Brazil's time zone whatever the browser's, like the server does.
const DISPLAY_TIME_ZONE = 'America/Sao_Paulo';

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('dashboard.pageTitle'));
  const me = useMe();
  const user = me.data;
  if (!user) return null;

  const today = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: DISPLAY_TIME_ZONE,
  }).format(new Date());

  return (
    <Stack gap="xl" maw={960} mx="auto">
      <Stack gap={4}>
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('dashboard.greeting', { name: firstName(user.name) })}
        </Title>
        <Text c="dimmed">{t('dashboard.today', { date: today })}</Text>
      </Stack>

      <Card withBorder radius="lg" padding="lg" shadow="xs">
        <EmptyState
          variant="light"
          size="lg"
          icon={<WalletIcon size={30} />}
          title={
            <Title order={2} fz="inherit" fw="inherit">
              {t('dashboard.emptyTitle')}
            </Title>
          }
          description={t('dashboard.emptyDescription')}
          maw={560}
          mx="auto"
          py="md"
        >
          <EmptyState.Actions>
            <Badge variant="light" size="lg" radius="sm">
              {t('dashboard.comingSoon')}
            </Badge>
          </EmptyState.Actions>
        </EmptyState>
      </Card>
    </Stack>
  );
}
