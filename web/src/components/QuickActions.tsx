import { Button, SimpleGrid } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { MinusIcon, PlusIcon, TransferIcon } from './icons';
import { SHORTCUT_KEYS } from './KeyboardShortcuts';

interface QuickActionsProps {
  onExpense: () => void;
  onIncome: () => void;
  onTransfer: () => void;
}

/**
 * "Nova despesa", "Nova receita", "Transferir" as three equal tiles with the icon above
 * the label, so all three fit side by side on a 360 px screen.
 */
export function QuickActions({ onExpense, onIncome, onTransfer }: QuickActionsProps) {
  const { t } = useTranslation();
  const tiles = [
    {
      label: t('transactions.newExpense'),
      icon: <MinusIcon size={20} />,
      color: 'red',
      onClick: onExpense,
      key: SHORTCUT_KEYS.expense,
    },
    {
      label: t('transactions.newIncome'),
      icon: <PlusIcon size={20} />,
      color: 'teal',
      onClick: onIncome,
      key: SHORTCUT_KEYS.income,
    },
    {
      label: t('nav.transfer'),
      icon: <TransferIcon size={20} />,
      color: 'gray',
      onClick: onTransfer,
      key: SHORTCUT_KEYS.transfer,
    },
  ];
  return (
    <SimpleGrid cols={3} spacing="xs" role="group" aria-label={t('dashboard.quickActions')}>
      {tiles.map((tile) => (
        <Button
          key={tile.label}
          variant="light"
          color={tile.color}
          onClick={tile.onClick}
          // The shortcut, for assistive technology and as a hover hint.
          aria-keyshortcuts={tile.key.toUpperCase()}
          title={t('shortcuts.hint', { key: tile.key.toUpperCase() })}
          h="auto"
          py="sm"
          px={4}
          fz={{ base: 'sm', sm: 'md' }}
          styles={{ label: { flexDirection: 'column', gap: 4, whiteSpace: 'normal', textAlign: 'center', lineHeight: 1.2 } }}
        >
          {tile.icon}
          <span>{tile.label}</span>
        </Button>
      ))}
    </SimpleGrid>
  );
}
