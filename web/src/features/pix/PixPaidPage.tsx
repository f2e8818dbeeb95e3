import { Alert, Card, Group, List, Loader, Stack, Text, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { brCodeErrorsOf, PAYLOAD_LENGTH_MAX } from './api';
import { useExplainCodeErrors } from './codeErrors';
import { PaidPixForm } from './PaidPixForm';
import { useDecodedPix } from './queries';

const PASTE_DEBOUNCE_MS = 250;

/** "Registrar Pix pago": paste the code that was paid; the expense form fills itself. */
export function PixPaidPage() {
  const { t } = useTranslation();
  usePageTitle(t('pix.paid.pageTitle'));
  const [text, setText] = useState('');
  const [payload] = useDebouncedValue(text.trim(), PASTE_DEBOUNCE_MS);
  const decoded = useDecodedPix(payload);
  const current = payload === text.trim();

  return (
    <Stack gap="lg" maw={560} mx="auto">
      <div>
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('pix.paid.title')}
        </Title>
        <Text c="dimmed">{t('pix.paid.intro')}</Text>
      </div>
      <Card withBorder radius="lg" padding="lg">
        <Stack gap="md">
          <Textarea
            label={t('pix.paid.paste')}
            placeholder={t('pix.paid.pastePlaceholder')}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            maxLength={PAYLOAD_LENGTH_MAX}
            autosize
            minRows={3}
            spellCheck={false}
            autoComplete="off"
            styles={{ input: { fontFamily: 'monospace', fontSize: 13, wordBreak: 'break-all' } }}
            data-autofocus
          />
          {payload && (decoded.isFetching || !current) ? (
            <Group gap="xs">
              <Loader size="xs" />
              <Text size="sm" c="dimmed">
                {t('pix.paid.reading')}
              </Text>
            </Group>
          ) : null}
          {payload && current && decoded.isError ? <CodeProblem error={decoded.error} /> : null}
          {payload && current && decoded.data ? (
            <PaidPixForm key={payload} payload={payload} decoded={decoded.data} onDone={() => setText('')} />
          ) : null}
        </Stack>
      </Card>
    </Stack>
  );
}

/** Why a pasted text is not a Pix code, in plain words; other failures get the usual alert. */
function CodeProblem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const explain = useExplainCodeErrors();
  const errors = brCodeErrorsOf(error);
  if (errors.length === 0) return <ProblemAlert error={error} />;
  const texts = explain(errors);
  return (
    <Alert color="red" variant="light" icon={<AlertIcon />} role="alert" title={t('pix.paid.invalidTitle')}>
      {texts.length === 1 ? (
        <Text size="sm">{texts[0]}</Text>
      ) : (
        <List size="sm" spacing={4}>
          {texts.map((text) => (
            <List.Item key={text}>{text}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
