import { Button, Group, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { newIdempotencyKey } from '../lib/idempotency';

/** How long "Desfazer" stays offered after a one-click posting (hovering the toast pauses it). */
export const UNDO_WINDOW_MS = 8_000;
/** Tap targets are at least this big at 360 px (WCAG 2.5.5). */
const TAP_TARGET_PX = 44;

let sequence = 0;

export interface UndoToastOptions {
  /** What was just done, e.g. "Recebimento de R$ 7,00 registrado." */
  message: string;
  /** Said once the undo went through; a general "Desfeito" when absent. */
  doneMessage?: string | undefined;
  undo: (idempotencyKey: string) => Promise<void>;
}

/**
 * Shows the confirmation of a one-click posting with a "Desfazer" button for
 * UNDO_WINDOW_MS. `undo` gets one Idempotency-Key for the life of the toast, so a double
 * click, or a retry after a lost answer, undoes once; a second click while the first is
 * in flight is dropped before it reaches the network.
 */
export function showUndoToast(options: UndoToastOptions): string {
  sequence += 1;
  const id = `undo-${sequence}`;
  notifications.show({
    id,
    color: 'brand',
    autoClose: UNDO_WINDOW_MS,
    message: <UndoNotice id={id} {...options} />,
  });
  return id;
}

function UndoNotice(props: UndoToastOptions & { id: string }) {
  const { t } = useTranslation();
  const key = useRef(newIdempotencyKey());
  const inFlight = useRef(false);
  const [state, setState] = useState<'idle' | 'working' | 'failed'>('idle');

  const onUndo = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setState('working');
    try {
      await props.undo(key.current);
      notifications.hide(props.id);
      notifications.show({ message: props.doneMessage ?? t('undo.done') });
    } catch {
      setState('failed');
    } finally {
      inFlight.current = false;
    }
  };

  return (
    <Stack gap={4}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm">{props.message}</Text>
        <Button
          variant="light"
          size="sm"
          miw={TAP_TARGET_PX}
          mih={TAP_TARGET_PX}
          loading={state === 'working'}
          onClick={onUndo}
          data-writes
        >
          {t('undo.action')}
        </Button>
      </Group>
      {state === 'failed' ? (
        <Text size="sm" c="red.7" role="alert">
          {t('undo.failed')}
        </Text>
      ) : null}
    </Stack>
  );
}
