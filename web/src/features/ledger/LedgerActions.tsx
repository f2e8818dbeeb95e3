import { Modal } from '@mantine/core';
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EntryType } from '../../api/ledger';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { TransactionForm } from '../transactions/TransactionForm';
import { TransferForm } from '../transactions/TransferForm';

interface LedgerActions {
  openEntry: (type: EntryType, options?: { accountId?: string }) => void;
  openTransfer: (options?: { fromAccountId?: string }) => void;
}

const LedgerActionsContext = createContext<LedgerActions | null>(null);

type Intent =
  | { kind: 'entry'; type: EntryType; accountId?: string }
  | { kind: 'transfer'; fromAccountId?: string }
  | { kind: 'none' };

/**
 * "Nova despesa", "Nova receita" and "Transferir" open the same dialogs from anywhere in
 * the app (dashboard, lists, an account's statement). Each opening mounts a fresh form,
 * which is what gives each submission its own Idempotency-Key.
 */
export function LedgerActionsProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  const [intent, setIntent] = useState<Intent>({ kind: 'none' });
  const close = () => setIntent({ kind: 'none' });

  const actions = useMemo<LedgerActions>(
    () => ({
      openEntry: (type, options = {}) => setIntent({ kind: 'entry', type, ...options }),
      openTransfer: (options = {}) => setIntent({ kind: 'transfer', ...options }),
    }),
    [],
  );

  const entry = intent.kind === 'entry' ? intent : null;
  const transfer = intent.kind === 'transfer' ? intent : null;
  return (
    <LedgerActionsContext.Provider value={actions}>
      {children}
      <Modal
        opened={entry !== null}
        onClose={close}
        title={entry?.type === 'income' ? t('transactions.newIncome') : t('transactions.newExpense')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {entry ? (
          <TransactionForm
            type={entry.type}
            onTypeChange={(type) => setIntent({ ...entry, type })}
            accountId={entry.accountId}
            onDone={close}
          />
        ) : null}
      </Modal>
      <Modal
        opened={transfer !== null}
        onClose={close}
        title={t('transfer.title')}
        fullScreen={phone}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {transfer ? <TransferForm fromAccountId={transfer.fromAccountId} onDone={close} /> : null}
      </Modal>
    </LedgerActionsContext.Provider>
  );
}

export function useLedgerActions(): LedgerActions {
  const actions = useContext(LedgerActionsContext);
  if (!actions) throw new Error('useLedgerActions must be used inside LedgerActionsProvider');
  return actions;
}
