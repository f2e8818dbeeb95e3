import { ActionIcon, Group, Kbd, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure, useHotkeys } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { useLedgerActions } from '../features/ledger/LedgerActions';
import { KeyboardIcon } from './icons';

/**
 * Single letters, as in Gmail or GitHub: they never fire while typing in a field (Mantine's
 * useHotkeys ignores INPUT, TEXTAREA, SELECT and editable content) nor while a dialog is
 * open, and they need no modifier a browser already owns. The same keys in every language.
 */
export const SHORTCUT_KEYS = { expense: 'd', income: 'r', transfer: 't', help: 'shift+?' } as const;

function dialogOpen(): boolean {
  return document.querySelector('[role="dialog"]') !== null;
}

/** The "?" button of the header (wide screens) and the shortcuts themselves. */
export function KeyboardShortcuts() {
  const { t } = useTranslation();
  const actions = useLedgerActions();
  const [helpOpened, help] = useDisclosure(false);
  const unlessDialog = (run: () => void) => () => {
    if (!dialogOpen()) run();
  };
  useHotkeys([
    [SHORTCUT_KEYS.expense, unlessDialog(() => actions.openEntry('expense'))],
    [SHORTCUT_KEYS.income, unlessDialog(() => actions.openEntry('income'))],
    [SHORTCUT_KEYS.transfer, unlessDialog(() => actions.openTransfer())],
    [SHORTCUT_KEYS.help, unlessDialog(help.open)],
  ]);
  const rows = [
    { keys: ['D'], label: t('shortcuts.expense') },
    { keys: ['R'], label: t('shortcuts.income') },
    { keys: ['T'], label: t('shortcuts.transfer') },
    { keys: ['?'], label: t('shortcuts.help') },
    { keys: ['Esc'], label: t('shortcuts.close') },
  ];
  return (
    <>
      <ActionIcon
        variant="default"
        size="lg"
        radius="xl"
        visibleFrom="sm"
        aria-label={t('shortcuts.open')}
        title={t('shortcuts.open')}
        onClick={help.open}
      >
        <KeyboardIcon size={18} />
      </ActionIcon>
      <Modal
        opened={helpOpened}
        onClose={help.close}
        title={t('shortcuts.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        <Stack gap="sm" component="dl" m={0}>
          {rows.map((row) => (
            <Group key={row.label} justify="space-between" wrap="nowrap">
              <Text component="dt">{row.label}</Text>
              <Text component="dd" m={0}>
                {row.keys.map((key) => (
                  <Kbd key={key}>{key}</Kbd>
                ))}
              </Text>
            </Group>
          ))}
        </Stack>
      </Modal>
    </>
  );
}
