import { Button, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorMessageKey } from '../i18n/problems';
import { AlertIcon } from './icons';

export function FullPageLoader() {
  const { t } = useTranslation();
  return (
    <Center mih="100dvh" role="status" aria-live="polite">
      <Stack align="center" gap="sm">
        <Loader aria-hidden="true" />
        <Text c="dimmed" size="sm">
          {t('app.loading')}
        </Text>
      </Stack>
    </Center>
  );
}

export function FullPageError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Center mih="100dvh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={420} w="100%" role="alert">
        <Stack align="center" gap="sm" ta="center">
          <Text c="red.7" aria-hidden="true">
            <AlertIcon size={36} />
          </Text>
          <Title order={1} fz="h3">
            {t('errors.loadFailedTitle')}
          </Title>
          <Text c="dimmed">{t(errorMessageKey(error))}</Text>
          <Button onClick={onRetry} mt="xs">
            {t('errors.retry')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
