import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePageTitle } from '../components/usePageTitle';
import { HOME_PATH } from '../features/auth/guards';
import type { FeatureName } from '../lib/featureAvailability';

/**
 * What a screen of a turned-off feature shows instead of itself, e.g. a bookmark of
 * /analises on a server with ENABLE_INSIGHTS=false: a plain statement, not an error.
 */
export function FeatureOffPage({ feature }: { feature: FeatureName }) {
  const { t } = useTranslation();
  const name = t(`featureOff.names.${feature}`);
  usePageTitle(t('featureOff.title'));
  return (
    <Stack gap="md" maw={560} mx="auto" py="xl" align="flex-start" data-feature-off={feature}>
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('featureOff.title')}
      </Title>
      <Text>{t('featureOff.description', { feature: name })}</Text>
      <Button component={Link} to={HOME_PATH} mih={44}>
        {t('featureOff.home')}
      </Button>
    </Stack>
  );
}
