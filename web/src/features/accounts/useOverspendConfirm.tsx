import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, AccountType } from '../../api/ledger';
import { AlertIcon } from '../../components/icons';
import { formatBrl } from '../../lib/money';
import { type Overspend, overspendFromAccount, overspendFromProblem } from './overspend';

/**
 * The form's fields go in a fieldset disabled while the question is asked, so the figures
 * asked about cannot change under it; the fieldset only groups: no border or spacing.
 */
export const FROZEN_FIELDSET_STYLE = { border: 0, padding: 0, margin: 0, minWidth: 0 } as const;

interface Callbacks<R> {
  onSuccess?: (result: R) => void;
  onError?: (error: unknown) => void;
}

interface GuardedMutation<I, R> {
  submit: (input: I, callbacks?: Callbacks<R>) => void;
  renewKey: () => void;
  reset: () => void;
}

interface Asked<I, R> {
  overspend: Overspend;
  input: I;
  type: AccountType | undefined;
  callbacks: Callbacks<R>;
}

/**
 * Asks before recording an expense that takes an account below its floor, then sends it
 * with allow_negative (ledger_v2). The question comes from the balance the screen knows, or,
 * when that was stale (another tab, another device), from the server's 422 figures. The
 * confirmed request is another payload, so it takes a fresh Idempotency-Key, made once when
 * the question is asked: a double click or a retry after a lost answer reuses it.
 */
export function useOverspendConfirm<I extends { amount_cents?: number; allow_negative?: boolean }, R>(
  mutation: GuardedMutation<I, R>,
  accounts: readonly Account[] = [],
) {
  const [asked, setAsked] = useState<Asked<I, R> | null>(null);

  const ask = (next: Asked<I, R>) => {
    mutation.renewKey();
    setAsked(next);
  };

  const send = (input: I, type: AccountType | undefined, callbacks: Callbacks<R>) =>
    mutation.submit(input, {
      onSuccess: (result) => {
        setAsked(null);
        callbacks.onSuccess?.(result);
      },
      onError: (error) => {
        const overspend = input.allow_negative ? null : overspendFromProblem(error, type, input.amount_cents ?? 0, accounts);
        if (!overspend) return callbacks.onError?.(error);
        mutation.reset();
        ask({ overspend, input, type, callbacks });
      },
    });

  /** Submits an expense (or an income: it never lowers a balance, so it is never asked about). */
  const submit = (input: I, options: { account: Account | undefined; expense: boolean }, callbacks: Callbacks<R>) => {
    const overspend = options.expense ? overspendFromAccount(options.account, input.amount_cents ?? 0) : null;
    if (overspend) return ask({ overspend, input, type: options.account?.type, callbacks });
    send(input, options.account?.type, callbacks);
  };

  const confirm = () => {
    if (asked) send({ ...asked.input, allow_negative: true }, asked.type, asked.callbacks);
  };

  return { submit, overspend: asked?.overspend ?? null, confirm, cancel: () => setAsked(null) };
}

function questionText(overspend: Overspend, t: TFunction): string {
  switch (overspend.kind) {
    case 'card':
      return t('overspend.card', { amount: formatBrl(overspend.beyondLimitCents) });
    case 'overdraft':
      return t('overspend.overdraft', { amount: formatBrl(overspend.belowZeroCents), limit: formatBrl(overspend.limitCents) });
    case 'negative':
      return t('overspend.negative', { amount: formatBrl(overspend.belowZeroCents) });
  }
}

/** The question in place of the form's submit button: record anyway, or go back and change it. */
export function OverspendQuestion(props: {
  overspend: Overspend;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Alert color="orange" variant="light" icon={<AlertIcon />} role="alert" title={t('overspend.title')}>
      <Stack gap="sm">
        <Text size="sm">{questionText(props.overspend, t)}</Text>
        <Group gap="sm" grow wrap="wrap">
          <Button color="orange" mih={44} loading={props.pending} onClick={props.onConfirm} data-writes>
            {t('overspend.confirm')}
          </Button>
          <Button variant="default" mih={44} disabled={props.pending} onClick={props.onCancel}>
            {t('overspend.cancel')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
