import { Anchor, Group, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PRIVACY_POLICY_PATH, TERMS_PATH } from '../../app/paths';

/**
 * "Privacidade · Termos" at the foot of every screen. On the sign-in and registration
 * screens the pages open in a new tab (`newTab`), so whatever was typed in the form stays.
 */
export function LegalFooter({ newTab = false }: { newTab?: boolean }) {
  const { t } = useTranslation();
  const target = newTab ? { target: '_blank', rel: 'noopener' } : {};
  return (
    <Group component="nav" aria-label={t('legal.footer.label')} justify="center" gap="md" wrap="wrap">
      <Anchor component={Link} to={PRIVACY_POLICY_PATH} size="sm" c="dimmed" {...target}>
        {t('legal.footer.privacy')}
        {newTab ? <VisuallyHidden> {t('legal.page.newTab')}</VisuallyHidden> : null}
      </Anchor>
      <Anchor component={Link} to={TERMS_PATH} size="sm" c="dimmed" {...target}>
        {t('legal.footer.terms')}
        {newTab ? <VisuallyHidden> {t('legal.page.newTab')}</VisuallyHidden> : null}
      </Anchor>
    </Group>
  );
}
