import { ActionIcon, type MantineColorScheme, Menu, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { MoonIcon, SunIcon } from './icons';

const SCHEMES: readonly MantineColorScheme[] = ['auto', 'light', 'dark'];

/**
 * Light, dark, or as the system says (the default). Mantine keeps the choice in the
 * browser's localStorage, so it survives a reload; it is a device setting, not an account one.
 */
export function ColorSchemeSwitch() {
  const { t } = useTranslation();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light', { getInitialValueInEffect: false });
  const label = t('colorScheme.label', { current: t(`colorScheme.${colorScheme}`) });
  return (
    <Menu position="bottom-end" shadow="md" withinPortal>
      <Menu.Target>
        <ActionIcon variant="default" size="lg" radius="xl" aria-label={label} title={label}>
          {computed === 'dark' ? <MoonIcon size={18} /> : <SunIcon size={18} />}
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('colorScheme.title')}</Menu.Label>
        {SCHEMES.map((scheme) => (
          <Menu.Item
            key={scheme}
            // Mantine fixes the role to menuitem; aria-current marks the scheme in use.
            aria-current={colorScheme === scheme ? 'true' : undefined}
            fw={colorScheme === scheme ? 700 : undefined}
            rightSection={colorScheme === scheme ? <span aria-hidden="true">✓</span> : null}
            onClick={() => setColorScheme(scheme)}
          >
            {t(`colorScheme.${scheme}`)}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
