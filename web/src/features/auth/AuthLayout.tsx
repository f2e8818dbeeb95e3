import { Anchor, Box, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { BrandLogo } from '../../components/BrandLogo';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { ReadOnlyBanner } from '../../components/ReadOnlyBanner';
import { usePageTitle } from '../../components/usePageTitle';
import { LegalFooter } from '../legal/LegalFooter';
import { HOME_PATH } from './guards';

interface AuthLayoutProps {
  pageTitle: string;
  title: string;
  subtitle: string;
  children: ReactNode;
  footer: ReactNode;
}

/** The frame shared by the login and registration pages: brand, language, one card. */
export function AuthLayout({ pageTitle, title, subtitle, children, footer }: AuthLayoutProps) {
  const { t } = useTranslation();
  const tagline = t('app.tagline');
  usePageTitle(pageTitle);
  return (
    <Box
      mih="100dvh"
      px="md"
      py="lg"
      style={{
        display: 'flex',
        flexDirection: 'column',
        background:
          'radial-gradient(circle at 15% 0%, var(--mantine-color-brand-1), transparent 45%), radial-gradient(circle at 100% 100%, var(--mantine-color-brand-0), transparent 40%), var(--mantine-color-gray-0)',
      }}
    >
      <Group component="header" justify="space-between" wrap="nowrap" maw={960} w="100%" mx="auto">
        <Anchor component={Link} to={HOME_PATH} underline="never">
          <BrandLogo />
        </Anchor>
        <LanguageSwitch />
      </Group>
      <Box component="main" style={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center' }} py="xl">
        <Paper withBorder shadow="md" radius="lg" p={{ base: 'lg', xs: 'xl' }} w="100%" maw={440}>
          <ReadOnlyBanner />
          <Stack gap="lg">
            <Stack gap={6}>
              <Title order={1} fz={{ base: 24, xs: 28 }}>
                {title}
              </Title>
              <Text c="dimmed">{subtitle}</Text>
            </Stack>
            {children}
            <Text size="sm" ta="center" c="dimmed">
              {footer}
            </Text>
          </Stack>
        </Paper>
      </Box>
      <Stack component="footer" gap={0} align="center">
        <Text size="xs" c="dimmed" ta="center">
          {tagline}
        </Text>
        <LegalFooter newTab />
      </Stack>
    </Box>
  );
}
