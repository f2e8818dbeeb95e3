import { Anchor, Button, Group, List, Modal, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { PRIVACY_POLICY_PATH, TERMS_PATH } from '../../app/paths';
import { ProblemAlert } from '../../components/ProblemAlert';
import { newIdempotencyKey } from '../../lib/idempotency';
import { LOGIN_PATH } from '../auth/guards';
import { useLogout, useMe } from '../auth/session';
import { type ConsentDocument, SHOWN_VERSIONS, useAcceptConsents } from './consents';
import { formatVersionDate } from './dates';

const DOCUMENT_PATH: Record<ConsentDocument, string> = { terms: TERMS_PATH, privacy: PRIVACY_POLICY_PATH };

/**
 * Asks the signed-in person to accept the current terms and privacy policy whenever the
 * server says some are pending (a new version since they last accepted, or an account
 * made without accepting). It cannot be dismissed: "Aceito" records the acceptance and
 * the app goes on; "Sair" signs out instead. The documents open in a new tab.
 */
export function PendingConsentDialog() {
  const me = useMe();
  const pending = me.data?.pending_consents ?? [];
  if (pending.length === 0) return null;
  return <PendingConsentModal pending={pending} />;
}

function PendingConsentModal({ pending }: { pending: ConsentDocument[] }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const logout = useLogout();
  // One key per document for as long as the dialog is open: a retry replays, never repeats.
  const [keys] = useState(() => ({ terms: newIdempotencyKey(), privacy: newIdempotencyKey() }));
  const accept = useAcceptConsents(keys);
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const label = (document: ConsentDocument) =>
    t(document === 'terms' ? 'legal.dialog.termsLink' : 'legal.dialog.privacyLink', {
      date: formatVersionDate(SHOWN_VERSIONS[document], language),
    });

  const signOut = () => logout.mutate(undefined, { onSettled: () => void navigate(LOGIN_PATH, { replace: true }) });

  return (
    <Modal
      opened
      onClose={() => undefined}
      withCloseButton={false}
      closeOnEscape={false}
      closeOnClickOutside={false}
      title={t('legal.dialog.title')}
      centered
    >
      <Stack gap="md">
        <Text>{t('legal.dialog.intro')}</Text>
        <List listStyleType="none" spacing={0}>
          {pending.map((document) => (
            <List.Item key={document}>
              <Anchor component={Link} to={DOCUMENT_PATH[document]} target="_blank" rel="noopener" fw={600}>
                {label(document)} <VisuallyHidden>{t('legal.page.newTab')}</VisuallyHidden>
              </Anchor>
            </List.Item>
          ))}
        </List>
        {accept.isError ? <ProblemAlert error={accept.error} /> : null}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={signOut} loading={logout.isPending} data-writes>
            {t('legal.dialog.signOut')}
          </Button>
          <Button onClick={() => accept.mutate(pending)} loading={accept.isPending} data-writes>
            {t('legal.dialog.accept')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
