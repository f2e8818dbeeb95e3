import { Center, Loader, Modal } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePhoneLayout } from '../../components/usePhoneLayout';

/**
 * The transaction dialog with its edit form (date and category pickers and their libraries)
 * is fetched the first time a transaction is opened, not with the page that lists it
 * (docs/PERFORMANCE.md, "First load"). Once fetched it stays mounted, so closing animates
 * as before; until it arrives, the same dialog frame shows a loader.
 */
const TransactionDialog = lazy(async () => ({ default: (await import('./TransactionDialog')).TransactionDialog }));

export function LazyTransactionDialog({ transactionId, onClose }: { transactionId: string | null; onClose: () => void }) {
  const [wanted, setWanted] = useState(transactionId !== null);
  if (transactionId !== null && !wanted) setWanted(true);
  if (!wanted) return null;
  return (
    <Suspense fallback={<LoadingDialog opened={transactionId !== null} onClose={onClose} />}>
      <TransactionDialog transactionId={transactionId} onClose={onClose} />
    </Suspense>
  );
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
