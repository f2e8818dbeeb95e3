import { Group, type MantineBreakpoint, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

function BrandMark({ size }: { size: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="9" fill="var(--mantine-color-brand-6)" />
      <path d="M16 7 25 16 16 25 7 16Z" fill="none" stroke="#fff" strokeWidth="2.8" strokeLinejoin="round" />
      <circle cx="16" cy="16" r="2.8" fill="#fff" />
    </svg>
  );
}

/**
 * The mark and the name. `wordmarkFrom` hides the name below a breakpoint (the phone
 * header needs the room for its 44 px controls); the link around it then carries the name.
 */
export function BrandLogo({ size = 30, wordmarkFrom }: { size?: number; wordmarkFrom?: MantineBreakpoint }) {
  const { t } = useTranslation();
  return (
    <Group gap={8} wrap="nowrap">
      <BrandMark size={size} />
      <Text
        component="span"
        fw={800}
        fz={size * 0.62}
        lh={1}
        c="bright"
        visibleFrom={wordmarkFrom}
        style={{ whiteSpace: 'nowrap', letterSpacing: '-0.02em' }}
      >
        {t('app.name')}
      </Text>
    </Group>
  );
}
