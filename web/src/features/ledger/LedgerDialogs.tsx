import { Modal } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { EntryType } from '../../api/ledger';
import { usePhoneLayout } from '../../components/usePhoneLayout';
import { TransactionForm } from '../transactions/TransactionForm';
import { TransferForm } from '../transactions/TransferForm';

/**
 * The dialogs behind "Nova despesa", "Nova receita" and "Transferir". They are mounted open,
 * once their code has arrived, so the dialog's focus trap finds the form's first field.
 */
export function EntryDialog(props: {
  type: EntryType;
  accountId: string | undefined;
  onTypeChange: (type: EntryType) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  return (
    <Modal
      opened
      onClose={props.onClose}
      title={props.type === 'income' ? t('transactions.newIncome') : t('transactions.newExpense')}
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': t('forms.close') }}
    >
      <TransactionForm type={props.type} onTypeChange={props.onTypeChange} accountId={props.accountId} onDone={props.onClose} />
    </Modal>
  );
}

export function TransferDialog(props: { fromAccountId: string | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const phone = usePhoneLayout();
  return (
    <Modal
      opened
      onClose={props.onClose}
      title={t('transfer.title')}
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': t('forms.close') }}
    >
      <TransferForm fromAccountId={props.fromAccountId} onDone={props.onClose} />
    </Modal>
  );
}
