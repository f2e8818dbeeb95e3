import { Card, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';
import { TransferForm } from './TransferForm';

export function TransferPage() {
  const { t } = useTranslation();
  usePageTitle(t('transfer.pageTitle'));
  return (
    <Stack gap="lg" maw={520} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('transfer.title')}
      </Title>
      <Card withBorder radius="lg" padding="lg">
        <TransferForm />
      </Card>
    </Stack>
  );
}
