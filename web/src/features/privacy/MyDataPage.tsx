import { Button, Card, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';
import { ConsentHistory } from './ConsentHistory';
import { DeleteAccountModal } from './DeleteAccountModal';
import { EXPORT_JSON_URL, EXPORT_ZIP_URL } from './queries';

/** Every control on this page is at least this tall, a comfortable tap target on a phone. */
const TAP = { minHeight: 44 } as const;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby={id}>
      <Stack gap="sm">
        <Title order={2} fz="lg" id={id}>
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}

/** "Meus dados": export, deletion of the account, and the consent history (LGPD Art. 18). */
export function MyDataPage() {
  const { t } = useTranslation();
  usePageTitle(t('privacy.title'));
  const [deleting, { open, close }] = useDisclosure(false);
  return (
    <Stack gap="lg" maw={640} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('privacy.title')}
      </Title>
      <Section id="my-data-export" title={t('privacy.export.title')}>
        <Text size="sm">{t('privacy.export.text')}</Text>
        <Stack gap="xs">
          <Button component="a" href={EXPORT_ZIP_URL} download variant="light" style={TAP}>
            {t('privacy.export.zip')}
          </Button>
          <Button component="a" href={EXPORT_JSON_URL} download variant="default" style={TAP}>
            {t('privacy.export.json')}
          </Button>
        </Stack>
        <Text size="xs" c="dimmed">
          {t('privacy.export.hint')}
        </Text>
      </Section>
      <ConsentHistory />
      <Section id="my-data-delete" title={t('privacy.delete.title')}>
        <Text size="sm">{t('privacy.delete.text')}</Text>
        <Button color="red" variant="outline" onClick={open} style={TAP}>
          {t('privacy.delete.open')}
        </Button>
      </Section>
      <DeleteAccountModal opened={deleting} onClose={close} />
    </Stack>
  );
}
