import { Anchor, Box, Group, List, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { BrandLogo } from '../../components/BrandLogo';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { usePageTitle } from '../../components/usePageTitle';
import { legalEn, legalPtBR } from '../../i18n/locales/legal';
import { HOME_PATH } from '../auth/guards';
import { SHOWN_VERSIONS } from './consents';
import { formatVersionDate } from './dates';
import { LegalFooter } from './LegalFooter';

export type LegalDocument = 'privacy' | 'terms';

/**
 * The sections of a document in the language on screen. They are read from the catalogue
 * section itself rather than through t(): a document is a list of sections of paragraphs,
 * which the typed t() cannot hand back as such.
 */
function useDocumentText(document: LegalDocument) {
  const { i18n } = useTranslation();
  const messages = i18n.resolvedLanguage === 'en' ? legalEn : legalPtBR;
  return { text: messages[document], language: i18n.resolvedLanguage ?? 'pt-BR' };
}

/**
 * A legal page, public (no sign-in needed) and written to be read on a phone: title, the
 * version in force, a table of contents, then short sections with their own headings.
 */
export function LegalDocumentPage({ document }: { document: LegalDocument }) {
  const { t } = useTranslation();
  const { text, language } = useDocumentText(document);
  usePageTitle(text.title);
  const version = SHOWN_VERSIONS[document];
  return (
    <Box px="md" py="lg" bg="var(--app-background)" mih="100dvh">
      <Group component="header" justify="space-between" wrap="nowrap" maw={760} mx="auto">
        <Anchor component={Link} to={HOME_PATH} underline="never" aria-label={t('app.name')}>
          <BrandLogo />
        </Anchor>
        <LanguageSwitch />
      </Group>
      <Stack component="main" gap="lg" maw={760} mx="auto" py="lg">
        <Stack gap={4}>
          <Title order={1} fz={{ base: 26, sm: 32 }}>
            {text.title}
          </Title>
          <Text c="dimmed" size="sm" data-testid="legal-version">
            {t('legal.page.version', { date: formatVersionDate(version, language) })}
          </Text>
        </Stack>
        <Text>{text.lead}</Text>
        <Box component="nav" aria-labelledby="legal-contents">
          <Title order={2} size="h4" id="legal-contents">
            {t('legal.page.contents')}
          </Title>
          <List listStyleType="none" spacing={0} mt="xs">
            {text.sections.map((section) => (
              <List.Item key={section.id}>
                <Anchor href={`#${section.id}`}>{section.heading}</Anchor>
              </List.Item>
            ))}
          </List>
        </Box>
        {text.sections.map((section) => (
          <Stack component="section" key={section.id} gap="xs" aria-labelledby={section.id}>
            <Title order={2} size="h3" id={section.id} style={{ scrollMarginTop: 16 }}>
              {section.heading}
            </Title>
            {section.paragraphs.map((paragraph) => (
              <Text key={paragraph}>{paragraph}</Text>
            ))}
          </Stack>
        ))}
      </Stack>
      <Box component="footer" maw={760} mx="auto">
        <LegalFooter />
      </Box>
    </Box>
  );
}
