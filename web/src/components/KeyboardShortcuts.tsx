import { ActionIcon, Group, Kbd, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, useEffectEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useLedgerActions } from '../features/ledger/LedgerActions';
import { KeyboardIcon } from './icons';

/**
 * Single letters, as in Gmail or GitHub: they never fire while typing in a field nor while
 * a dialog is open, and they need no modifier a browser already owns. The same keys in
 * every language.
 */
export const SHORTCUT_KEYS = { expense: 'd', income: 'r', transfer: 't', help: '?' } as const;

/** Inputs that take no typing: a letter pressed on them is free for a shortcut. */
const NON_TEXT_INPUT_TYPES = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

function isTypingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  return target instanceof HTMLInputElement && !NON_TEXT_INPUT_TYPES.has(target.type);
}

function dialogOpen(): boolean {
  return document.querySelector('[role="dialog"]') !== null;
}

/** Calls `run` with the shortcut's key when one is pressed outside fields and dialogs. */
function useShortcutKeys(run: (key: string) => void) {
  const onKeyDown = useEffectEvent((event: KeyboardEvent) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTypingInto(event.target) || dialogOpen()) return;
    const key = event.key.toLowerCase();
    if (!Object.values(SHORTCUT_KEYS).some((shortcut) => shortcut === key)) return;
    event.preventDefault();
    run(key);
  });
  useEffect(() => {
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}

/** The "?" button of the header (wide screens) and the shortcuts themselves. */
export function KeyboardShortcuts() {
  const { t } = useTranslation();
  const actions = useLedgerActions();
  const [helpOpened, help] = useDisclosure(false);
  useShortcutKeys((key) => {
    if (key === SHORTCUT_KEYS.expense) actions.openEntry('expense');
    else if (key === SHORTCUT_KEYS.income) actions.openEntry('income');
    else if (key === SHORTCUT_KEYS.transfer) actions.openTransfer();
    else help.open();
  });
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
