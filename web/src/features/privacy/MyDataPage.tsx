import { Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';
import { ConsentHistory } from './ConsentHistory';

/** "Meus dados": export, deletion of the account, and the consent history (LGPD Art. 18). */
export function MyDataPage() {
  const { t } = useTranslation();
  usePageTitle(t('privacy.title'));
  return (
    <Stack gap="lg" maw={640} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('privacy.title')}
      </Title>
      <ConsentHistory />
    </Stack>
  );
}
