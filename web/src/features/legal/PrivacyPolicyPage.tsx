import { Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';

export function PrivacyPolicyPage() {
  const { t } = useTranslation();
  usePageTitle(t('legal.title'));
  return (
    <Stack gap="lg" maw={760} mx="auto" p="md">
      <Title order={1}>{t('legal.title')}</Title>
    </Stack>
  );
}
