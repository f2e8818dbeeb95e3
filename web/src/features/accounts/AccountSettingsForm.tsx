import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ACCOUNT_NAME_LENGTH_MAX, type Account, getAccount, patchAccount } from '../../api/ledger';
import { problemRecord } from '../../api/problem';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { formatBrlInput } from '../../lib/money';
import {
  CardDaysFields,
  type CardDaysValues,
  cardDayRule,
  cardDaysChanged,
  cardDaysPayload,
  cardDaysValuesOf,
} from '../cards/CardDaysFields';
import { LEDGER_KEYS } from '../ledger/queries';
import { amountCents, useFormErrorText, validateAmount, validateText } from '../ledger/validation';
import { takesLimit } from './accountTypes';

interface SettingsValues extends CardDaysValues {
  name: string;
  limit: string;
}

const FIELDS_BY_API_NAME = {
  name: 'name',
  overdraft_limit_cents: 'limit',
  credit_limit_cents: 'limit',
  closing_day: 'closingDay',
  due_day: 'dueDay',
} as const;

function valuesOf(account: Account): SettingsValues {
  return {
    name: account.name,
    limit: account.overdraft_limit_cents > 0 ? formatBrlInput(account.overdraft_limit_cents) : '',
    ...cardDaysValuesOf(account.type === 'credit_card' ? account : null),
  };
}

/** The limit field under its name for the account's type (a card's is its credit limit). */
function limitPayload(account: Account, values: SettingsValues) {
  if (!takesLimit(account.type)) return {};
  const cents = amountCents(values.limit);
  return account.type === 'credit_card' ? { credit_limit_cents: cents } : { overdraft_limit_cents: cents };
}

function currentAccount(error: unknown, id: string): Account | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as Account;
}

/**
 * An account's settings: its name and, for checking and cards, the overdraft or card
 * limit. Sends the row_version it was read at; a stale one gets 409 with the current
 * state, which the person loads and then saves again.
 */
export function AccountSettingsForm({ account, onDone }: { account: Account; onDone: () => void }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const [rowVersion, setRowVersion] = useState(account.row_version);
  const [cardDays, setCardDays] = useState(account);
  const hasLimit = takesLimit(account.type);
  const card = account.type === 'credit_card';
  // Once a card has its days they can change but not be taken away.
  const daysRule = { applies: () => card, required: cardDays.closing_day !== null };
  const form = useForm<SettingsValues>({
    initialValues: valuesOf(account),
    validate: {
      name: (value) => validateText(value, { lengthMax: ACCOUNT_NAME_LENGTH_MAX, required: true }),
      limit: (value) => (hasLimit ? validateAmount(value, { optional: true }) : null),
      closingDay: cardDayRule<SettingsValues>('dueDay', daysRule),
      dueDay: cardDayRule<SettingsValues>('closingDay', daysRule),
    },
  });

  const mutation = useMutation({
    mutationFn: (values: SettingsValues) => {
      const days = card ? cardDaysPayload(values) : {};
      return patchAccount(account.id, {
        name: values.name.trim(),
        ...limitPayload(account, values),
        // Saving the same days again would be no change; only a change is sent (it applies to the next bills).
        ...(card && cardDaysChanged(days, cardDays) ? days : {}),
        row_version: rowVersion,
      });
    },
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('accountSettings.done') });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
  });

  const reloadCurrent = async () => {
    const current = currentAccount(mutation.error, account.id) ?? (await getAccount(account.id).catch(() => undefined));
    if (!current) return;
    form.setValues(valuesOf(current));
    setRowVersion(current.row_version);
    setCardDays(current);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.accounts });
  };

  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(values))} noValidate>
      <Stack gap="md">
        <TextInput
          {...form.getInputProps('name')}
          error={errorText(form.errors.name)}
          label={t('accounts.fields.name')}
          maxLength={ACCOUNT_NAME_LENGTH_MAX}
          data-autofocus
          required
          withAsterisk={false}
        />
        {hasLimit ? (
          <MoneyInput
            {...form.getInputProps('limit')}
            error={errorText(form.errors.limit)}
            label={account.type === 'credit_card' ? t('accounts.fields.creditLimit') : t('accounts.fields.overdraftLimit')}
            description={t('accounts.fields.limitHint')}
          />
        ) : (
          <Text size="sm" c="dimmed">
            {t('accountSettings.limitNone')}
          </Text>
        )}
        {card ? <CardDaysFields form={form} errorText={errorText} /> : null}
        <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
        <Group justify="flex-end">
          <Button type="submit" mih={44} loading={mutation.isPending}>
            {t('forms.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
