import { Button, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { type RefObject, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ACCOUNT_NAME_LENGTH_MAX, ACCOUNT_TYPES, type Account, type AccountType, createAccount } from '../../api/ledger';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { CardDaysFields, type CardDaysValues, cardDayRule, cardDaysPayload, cardDaysValuesOf } from '../cards/CardDaysFields';
import { useLedgerLabels } from '../ledger/labels';
import { invalidateMoney } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateText } from '../ledger/validation';
import { takesLimit } from './accountTypes';

interface AccountValues extends CardDaysValues {
  name: string;
  type: AccountType;
  openingBalance: string;
  limit: string;
}

const FIELDS_BY_API_NAME = {
  name: 'name',
  type: 'type',
  initial_balance_cents: 'openingBalance',
  overdraft_limit_cents: 'limit',
  credit_limit_cents: 'limit',
  closing_day: 'closingDay',
  due_day: 'dueDay',
} as const;

const isCard = (values: Pick<AccountValues, 'type'>) => values.type === 'credit_card';

const DEFAULT_TYPE: AccountType = 'checking';

interface AccountFormProps {
  onDone?: (account: Account) => void;
  /**
   * The first-account form on the dashboard. It once hid the limit until the opening
   * balance was negative; the limit now shows for every card and checking account, so this
   * no longer changes the fields (kept so that caller stays as it is).
   */
  compact?: boolean;
}

type AccountFormState = UseFormReturnType<AccountValues>;

function useAccountValues(): AccountFormState {
  const labels = useLedgerLabels();
  return useForm<AccountValues>({
    initialValues: {
      name: labels.accountType(DEFAULT_TYPE),
      type: DEFAULT_TYPE,
      openingBalance: '',
      limit: '',
      ...cardDaysValuesOf(null),
    },
    validate: {
      name: (value) => validateText(value, { lengthMax: ACCOUNT_NAME_LENGTH_MAX, required: true }),
      openingBalance: (value, values) =>
        validateAmount(value, { allowNegative: true, optional: true }) ??
        (amountCents(value) < 0 && !takesLimit(values.type) ? 'accounts.validation.cannotStartNegative' : null),
      limit: (value, values) => {
        if (!takesLimit(values.type)) return null;
        const problem = validateAmount(value, { optional: true });
        if (problem) return problem;
        // A checking account or card may start below zero only within its limit (the server's floor).
        const opening = amountCents(values.openingBalance);
        return opening < 0 && amountCents(value) < -opening ? 'accounts.validation.limitBelowDebt' : null;
      },
      // A card's bills are cut by its days; a card may also be created without them and get them later.
      closingDay: cardDayRule<AccountValues>('dueDay', { applies: isCard, required: false }),
      dueDay: cardDayRule<AccountValues>('closingDay', { applies: isCard, required: false }),
    },
  });
}

interface SubmitAccountOptions {
  showLimit: boolean;
  nameEdited: RefObject<boolean>;
  onDone: ((account: Account) => void) | undefined;
}

/** Creates the account with the opening's Idempotency-Key, then clears the form for another. */
function useSubmitAccount(form: AccountFormState, { showLimit, nameEdited, onDone }: SubmitAccountOptions) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: createAccount,
    onSuccess: () => invalidateMoney(queryClient),
  });

  const submit = form.onSubmit((values) => {
    const opening = amountCents(values.openingBalance);
    const limit = showLimit ? amountCents(values.limit) : 0;
    mutation.submit(
      {
        name: values.name.trim(),
        type: values.type,
        ...(opening !== 0 ? { initial_balance_cents: opening } : {}),
        // A card's limit goes by its card name (the same column as a checking account's overdraft).
        ...(limit > 0 ? (isCard(values) ? { credit_limit_cents: limit } : { overdraft_limit_cents: limit }) : {}),
        ...(isCard(values) ? cardDaysPayload(values) : {}),
      },
      {
        onSuccess: (account) => {
          notifications.show({ color: 'brand', message: t('accounts.create.done', { name: account.name }) });
          nameEdited.current = false;
          form.reset();
          onDone?.(account);
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return { mutation, submit };
}

/**
 * Creates an account with its opening balance. Until the person types a name, the name
 * follows the type ("Conta corrente"), so the quickest path is: balance, then create.
 */
export function AccountForm({ onDone }: AccountFormProps) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const nameEdited = useRef(false);
  const form = useAccountValues();

  // The limit is asked for as soon as the type takes one: a card without a limit could
  // record no expense, and asking only after a refusal wastes the person's first try.
  const showLimit = takesLimit(form.values.type);
  const { mutation, submit } = useSubmitAccount(form, { showLimit, nameEdited, onDone });

  const changeType = (value: string | null) => {
    const type = ACCOUNT_TYPES.find((item) => item === value);
    if (!type) return;
    form.setFieldValue('type', type);
    if (!nameEdited.current) form.setFieldValue('name', labels.accountType(type));
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
          <TextInput
            {...form.getInputProps('name')}
            onChange={(event) => {
              nameEdited.current = true;
              form.setFieldValue('name', event.currentTarget.value);
            }}
            error={errorText(form.errors.name)}
            label={t('accounts.fields.name')}
            placeholder={t('accounts.fields.namePlaceholder')}
            maxLength={ACCOUNT_NAME_LENGTH_MAX}
            required
            withAsterisk={false}
          />
          <Select
            value={form.values.type}
            onChange={changeType}
            label={t('accounts.fields.type')}
            data={ACCOUNT_TYPES.map((type) => ({ value: type, label: labels.accountType(type) }))}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
        </SimpleGrid>
        <MoneyInput
          {...form.getInputProps('openingBalance')}
          error={errorText(form.errors.openingBalance)}
          label={t('accounts.fields.openingBalance')}
          description={t('accounts.fields.openingBalanceHint')}
        />
        {showLimit ? (
          <MoneyInput
            {...form.getInputProps('limit')}
            error={errorText(form.errors.limit)}
            label={form.values.type === 'credit_card' ? t('accounts.fields.creditLimit') : t('accounts.fields.overdraftLimit')}
            description={t('accounts.fields.limitHint')}
          />
        ) : null}
        {form.values.type === 'credit_card' ? <CardDaysFields form={form} errorText={errorText} /> : null}
        <ProblemAlert error={mutation.error} />
        <Button type="submit" fullWidth loading={mutation.isPending}>
          {t('accounts.create.submit')}
        </Button>
      </Stack>
    </form>
  );
}
