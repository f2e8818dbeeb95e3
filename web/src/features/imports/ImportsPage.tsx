import { Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';

/** Statement import: upload, preview, confirm, and the list of past imports. */
export function ImportsPage() {
  const { t } = useTranslation();
  usePageTitle(t('imports.title'));
  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('imports.title')}
      </Title>
    </Stack>
  );
}
