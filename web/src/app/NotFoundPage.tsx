import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { BrandLogo } from '../components/BrandLogo';
import { usePageTitle } from '../components/usePageTitle';
import { HOME_PATH } from '../features/auth/guards';

export function NotFoundPage() {
  const { t } = useTranslation();
  usePageTitle(t('notFound.pageTitle'));
  return (
    <Center component="main" mih="100dvh" p="md" bg="var(--app-background)">
      <Stack align="center" gap="md" ta="center" maw={420}>
        <BrandLogo />
        <Text fz={72} fw={800} c="brand.2" lh={1} aria-hidden="true" mt="lg">
          {t('notFound.code')}
        </Text>
        <Title order={1} fz={28}>
          {t('notFound.title')}
        </Title>
        <Text c="dimmed">{t('notFound.description')}</Text>
        <Button component={Link} to={HOME_PATH} mt="sm">
          {t('notFound.home')}
        </Button>
      </Stack>
    </Center>
  );
}
