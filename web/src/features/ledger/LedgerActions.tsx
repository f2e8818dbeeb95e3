import { createContext, lazy, type ReactNode, Suspense, useContext, useMemo, useState } from 'react';
import type { EntryType } from '../../api/ledger';

/**
 * The dialogs' forms (with the date and category pickers and their libraries) are fetched
 * when one first opens, not with the app's frame, so the first screen stays light
 * (docs/PERFORMANCE.md, "First load").
 */
const EntryDialog = lazy(async () => ({ default: (await import('./LedgerDialogs')).EntryDialog }));
const TransferDialog = lazy(async () => ({ default: (await import('./LedgerDialogs')).TransferDialog }));

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
      <Suspense fallback={null}>
        {entry ? (
          <EntryDialog
            type={entry.type}
            accountId={entry.accountId}
            onTypeChange={(type) => setIntent({ ...entry, type })}
            onClose={close}
          />
        ) : null}
        {transfer ? <TransferDialog fromAccountId={transfer.fromAccountId} onClose={close} /> : null}
      </Suspense>
    </LedgerActionsContext.Provider>
  );
}

export function useLedgerActions(): LedgerActions {
  const actions = useContext(LedgerActionsContext);
  if (!actions) throw new Error('useLedgerActions must be used inside LedgerActionsProvider');
  return actions;
}
