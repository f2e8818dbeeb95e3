import { AppShell, Box, Burger, Group, NavLink } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { BrandLogo } from '../components/BrandLogo';
import { ColorSchemeSwitch } from '../components/ColorSchemeSwitch';
import {
  ChartIcon,
  HomeIcon,
  ListIcon,
  PieIcon,
  PixIcon,
  QrCodeIcon,
  RepeatIcon,
  TagIcon,
  TargetIcon,
  TransferIcon,
  WalletIcon,
} from '../components/icons';
import { KeyboardShortcuts } from '../components/KeyboardShortcuts';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { ReadOnlyBanner } from '../components/ReadOnlyBanner';
import { HOME_PATH } from '../features/auth/guards';
import { useMe } from '../features/auth/session';
import { LedgerActionsProvider } from '../features/ledger/LedgerActions';
import { LegalFooter } from '../features/legal/LegalFooter';
import { PendingConsentDialog } from '../features/legal/PendingConsentDialog';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { type FeatureName, useDisabledFeatureOfScreen, useDisabledFeatures } from '../lib/featureAvailability';
import { FeatureOffPage } from './FeatureOffPage';
import {
  ACCOUNTS_PATH,
  BUDGETS_PATH,
  CATEGORIES_PATH,
  GOALS_PATH,
  IMPORTS_PATH,
  INSIGHTS_PATH,
  PIX_PAID_PATH,
  PIX_RECEIVE_PATH,
  RECURRING_PATH,
  TRANSACTIONS_PATH,
  TRANSFER_PATH,
} from './paths';
import { UserMenu } from './UserMenu';

const HEADER_HEIGHT_PX = 60;
const NAVBAR_WIDTH_PX = 248;
/** The skip link's target: the main area, focusable so the next Tab starts inside it. */
const MAIN_CONTENT_ID = 'main-content';

/** The signed-in frame: header with brand, language and account; navigation at the side. */
export function AppLayout() {
  const { t } = useTranslation();
  const [navbarOpened, navbar] = useDisclosure(false);
  const location = useLocation();
  const me = useMe();
  // RequireAuth renders this layout only once the user is known.
  const user = me.data;
  // A turned-off feature's entries leave the menu, and its screens say it is off (src/features.ts).
  const disabledFeatures = useDisabledFeatures();
  const offFeature = useDisabledFeatureOfScreen(location.pathname);

  const allNavItems: Array<{ to: string; label: string; icon: ReactNode; feature?: FeatureName }> = [
    { to: HOME_PATH, label: t('nav.dashboard'), icon: <HomeIcon size={20} /> },
    { to: ACCOUNTS_PATH, label: t('nav.accounts'), icon: <WalletIcon size={20} /> },
    { to: TRANSACTIONS_PATH, label: t('nav.transactions'), icon: <ListIcon size={20} /> },
    { to: TRANSFER_PATH, label: t('nav.transfer'), icon: <TransferIcon size={20} /> },
    { to: GOALS_PATH, label: t('nav.goals'), icon: <TargetIcon size={20} /> },
    { to: BUDGETS_PATH, label: t('nav.budgets'), icon: <PieIcon size={20} /> },
    { to: INSIGHTS_PATH, label: t('nav.insights'), icon: <ChartIcon size={20} />, feature: 'insights' },
    { to: RECURRING_PATH, label: t('nav.recurring'), icon: <RepeatIcon size={20} /> },
    { to: CATEGORIES_PATH, label: t('nav.categories'), icon: <TagIcon size={20} /> },
    { to: IMPORTS_PATH, label: t('nav.imports'), icon: <ListIcon size={20} />, feature: 'imports' },
    { to: PIX_RECEIVE_PATH, label: t('nav.pixReceive'), icon: <QrCodeIcon size={20} />, feature: 'pix' },
    { to: PIX_PAID_PATH, label: t('nav.pixPaid'), icon: <PixIcon size={20} />, feature: 'pix' },
  ];
  const navItems = allNavItems.filter((item) => item.feature === undefined || !disabledFeatures.has(item.feature));
  // An account's statement (/contas/…) belongs to Contas.
  const isActive = (to: string) => (to === HOME_PATH ? location.pathname === to : location.pathname.startsWith(to));

  return (
    <LedgerActionsProvider>
      <a href={`#${MAIN_CONTENT_ID}`} className="skip-link">
        {t('nav.skipToContent')}
      </a>
      <AppShell
        header={{ height: HEADER_HEIGHT_PX }}
        navbar={{ width: NAVBAR_WIDTH_PX, breakpoint: 'sm', collapsed: { mobile: !navbarOpened } }}
        padding={{ base: 'md', sm: 'xl' }}
        bg="var(--app-background)"
      >
        <AppShell.Header>
          <Group h="100%" px={{ base: 'sm', sm: 'md' }} justify="space-between" wrap="nowrap" gap="xs">
            <Group gap="xs" wrap="nowrap">
              <Burger
                opened={navbarOpened}
                onClick={navbar.toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={navbarOpened ? t('nav.close') : t('nav.open')}
                aria-expanded={navbarOpened}
                aria-controls="app-navbar"
              />
              <Link
                to={HOME_PATH}
                aria-label={t('app.name')}
                style={{
                  textDecoration: 'none',
                  color: 'inherit',
                  display: 'inline-flex',
                  alignItems: 'center',
                  minHeight: 44,
                  minWidth: 44,
                }}
                onClick={navbar.close}
              >
                <BrandLogo size={28} wordmarkFrom="xs" />
              </Link>
            </Group>
            {/* Four 44 px controls and the language switch share a 360 px phone's header. */}
            <Group gap={4} wrap="nowrap">
              <KeyboardShortcuts />
              <LanguageSwitch />
              <ColorSchemeSwitch />
              <NotificationBell />
              {user ? <UserMenu user={user} /> : null}
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar id="app-navbar" p="sm" aria-label={t('nav.label')} component="nav">
          {navItems.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              leftSection={item.icon}
              active={isActive(item.to)}
              aria-current={location.pathname === item.to ? 'page' : undefined}
              onClick={navbar.close}
              fw={600}
              style={{ borderRadius: 'var(--mantine-radius-md)' }}
            />
          ))}
        </AppShell.Navbar>

        <AppShell.Main id={MAIN_CONTENT_ID} tabIndex={-1} style={{ outline: 'none' }}>
          <ReadOnlyBanner />
          {offFeature ? <FeatureOffPage feature={offFeature} /> : <Outlet />}
          <Box component="footer" mt="xl">
            <LegalFooter />
          </Box>
        </AppShell.Main>
        <PendingConsentDialog />
      </AppShell>
    </LedgerActionsProvider>
  );
}
