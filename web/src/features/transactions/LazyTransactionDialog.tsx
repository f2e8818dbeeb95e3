import { Center, Loader, Modal } from '@mantine/core';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadFailedBoundary } from '../../components/LoadFailedBoundary';
import { usePhoneLayout } from '../../components/usePhoneLayout';

/**
 * The transaction dialog with its edit form (date and category pickers and their libraries)
 * is fetched the first time a transaction is opened, not with the page that lists it
 * (docs/PERFORMANCE.md, "First load"). Once fetched it stays mounted, so later openings and
 * closings animate and return focus as any dialog does; until it arrives, the same dialog frame
 * shows a loader.
 */
const TransactionDialog = lazy(async () => ({ default: (await import('./TransactionDialog')).TransactionDialog }));

/** About a second: longer than any dialog's exit transition. */
const FOCUS_RETURN_FRAMES_MAX = 60;

export function LazyTransactionDialog({ transactionId, onClose }: { transactionId: string | null; onClose: () => void }) {
  const [wanted, setWanted] = useState(transactionId !== null);
  if (transactionId !== null && !wanted) setWanted(true);
  useReturnFocusAfterFirstOpening(transactionId !== null);
  if (!wanted) return null;
  return (
    <Suspense fallback={<LoadingDialog opened={transactionId !== null} onClose={onClose} />}>
      <LoadFailedBoundary>
        <TransactionDialog transactionId={transactionId} onClose={onClose} />
      </LoadFailedBoundary>
    </Suspense>
  );
}

/**
 * A dialog that mounts already open has nothing to return focus to when it closes (Mantine
 * records the focused element when `opened` turns true); the first opening mounts it open, so
 * focus goes back to what had it (the row that was tapped) here.
 */
function useReturnFocusAfterFirstOpening(opened: boolean) {
  const opener = useRef<HTMLElement | null>(null);
  const first = useRef(true);
  if (opened && first.current && opener.current === null && document.activeElement instanceof HTMLElement) {
    opener.current = document.activeElement;
  }
  useEffect(() => {
    if (opened || opener.current === null) return;
    const element = opener.current;
    opener.current = null;
    first.current = false;
    // Once the closing dialog has let go of focus (its exit transition), unless the person has
    // already moved it elsewhere.
    let frames = 0;
    let frame = 0;
    const returnFocus = () => {
      const active = document.activeElement;
      const inDialog = active instanceof HTMLElement && active.closest('[role="dialog"]') !== null;
      if (inDialog && frames < FOCUS_RETURN_FRAMES_MAX) {
        frames += 1;
        frame = requestAnimationFrame(returnFocus);
        return;
      }
      if (element.isConnected && (active === null || active === document.body || inDialog)) element.focus();
    };
    frame = requestAnimationFrame(returnFocus);
    return () => cancelAnimationFrame(frame);
  }, [opened]);
}

function LoadingDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('transactions.edit.title')}
      fullScreen={phone}
      size="lg"
      closeButtonProps={{ 'aria-label': t('forms.close') }}
    >
      <Center py="xl">
        <Loader aria-label={t('app.loading')} />
      </Center>
    </Modal>
  );
}
