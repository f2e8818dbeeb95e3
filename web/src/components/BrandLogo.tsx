import { Group, Text } from '@mantine/core';
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

export function BrandLogo({ size = 30 }: { size?: number }) {
  const { t } = useTranslation();
  return (
    <Group gap={8} wrap="nowrap">
      <BrandMark size={size} />
      <Text
        component="span"
        fw={800}
        fz={size * 0.62}
        lh={1}
        c="dark.8"
        style={{ whiteSpace: 'nowrap', letterSpacing: '-0.02em' }}
      >
        {t('app.name')}
      </Text>
    </Group>
  );
}
