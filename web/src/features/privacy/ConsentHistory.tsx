import { Alert, Card, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../../components/ProblemAlert';
import { type ConsentDocument, useConsents } from '../legal/consents';
import { formatAcceptedAt, formatVersionDate } from '../legal/dates';

/**
 * The versions of the terms and the privacy policy the person accepted, and when (the
 * consent log, LGPD Art. 8 and 18), with a note when a newer version awaits acceptance.
 */
export function ConsentHistory() {
  const { t, i18n } = useTranslation();
  const consents = useConsents();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const documentName = (document: ConsentDocument) => t(document === 'terms' ? 'legal.history.terms' : 'legal.history.privacy');

  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby="consent-history-title">
      <Stack gap="sm">
        <Title order={2} size="h3" id="consent-history-title">
          {t('legal.history.title')}
        </Title>
        <Text c="dimmed" size="sm">
          {t('legal.history.description')}
        </Text>
        {consents.isPending ? <Loader size="sm" aria-label={t('app.loading')} /> : null}
        {consents.isError ? <ProblemAlert error={consents.error} context="load" /> : null}
        {consents.data && consents.data.pending.length > 0 ? (
          <Alert color="orange" variant="light" role="status">
            {t('legal.history.pending', { documents: consents.data.pending.map(documentName).join(', ') })}
          </Alert>
        ) : null}
        {consents.data && consents.data.items.length === 0 ? <Text>{t('legal.history.empty')}</Text> : null}
        {consents.data && consents.data.items.length > 0 ? (
          <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }} aria-labelledby="consent-history-title">
            {consents.data.items.map((item) => (
              <li key={`${item.document}-${item.version}`}>
                <Text fw={600}>{documentName(item.document)}</Text>
                <Text size="sm" c="dimmed">
                  {t('legal.history.version', { date: formatVersionDate(item.version, language) })} ·{' '}
                  {t('legal.history.acceptedAt', { date: formatAcceptedAt(item.accepted_at, language) })}
                </Text>
              </li>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}
