import { Alert, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { DESCRIPTION_LENGTH_MAX } from '../../api/ledger';
import { isApiError, problemInteger } from '../../api/problem';
import { DateField } from '../../components/DateField';
import { AlertIcon } from '../../components/icons';
import { Money } from '../../components/Money';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrl, formatBrlInput } from '../../lib/money';
import { activeAccounts, invalidateMoney, useAccounts } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';
import { contributeToGoal, type Goal, type GoalMovement, withdrawFromGoal } from './api';

export type GoalMoneyDirection = 'contribute' | 'withdraw';

interface MoveValues {
  accountId: string | null;
  amount: string;
  date: string;
  description: string;
}

const FIELDS_BY_API_NAME = {
  from_account_id: 'accountId',
  to_account_id: 'accountId',
  amount_cents: 'amount',
  occurred_on: 'date',
  description: 'description',
} as const;

interface GoalMoneyFormProps {
  goal: Goal;
  direction: GoalMoneyDirection;
  /** Prefilled amount (withdrawing everything before archiving). */
  initialCents?: number;
  onDone: (movement: GoalMovement) => void;
}

/** The form's values and rules; preselects the first account once the accounts arrive. */
function useMoveForm(initialCents: number | undefined) {
  const accountsQuery = useAccounts();
  const accounts = activeAccounts(accountsQuery.data);
  const form = useForm<MoveValues>({
    initialValues: {
      accountId: accounts[0]?.id ?? null,
      amount: initialCents ? formatBrlInput(initialCents) : '',
      date: isoToDisplay(todayIso()),
      description: '',
    },
    validate: {
      accountId: validateChoice,
      amount: (value) => validateAmount(value),
      date: validateDate,
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: false }),
    },
  });

  const firstAccountId = accounts[0]?.id;
  const noAccountChosen = form.values.accountId === null;
  useEffect(() => {
    if (noAccountChosen && firstAccountId) form.setFieldValue('accountId', firstAccountId);
  }, [noAccountChosen, firstAccountId, form.setFieldValue]);
  return { form, accounts, accountsLoaded: accountsQuery.isSuccess };
}

/** Posts the contribution or the withdrawal with the opening's Idempotency-Key. */
function useSubmitMove(
  form: UseFormReturnType<MoveValues>,
  goal: Goal,
  contributing: boolean,
  onDone: (movement: GoalMovement) => void,
) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mutation = useIdempotentMutation({
    mutationFn: (values: MoveValues, key: string) => {
      const date = displayToIso(values.date);
      const common = {
        amount_cents: amountCents(values.amount),
        ...(date.ok ? { occurred_on: date.iso } : {}),
        ...(values.description.trim() ? { description: values.description.trim() } : {}),
      };
      const accountId = values.accountId ?? '';
      return contributing
        ? contributeToGoal({ goalId: goal.id, body: { ...common, from_account_id: accountId } }, key)
        : withdrawFromGoal({ goalId: goal.id, body: { ...common, to_account_id: accountId } }, key);
    },
    onSuccess: () => invalidateMoney(queryClient),
  });

  const submit = form.onSubmit((values) =>
    mutation.submit(values, {
      onSuccess: (movement) => {
        const amount = formatBrl(amountCents(values.amount));
        const key = contributing ? 'goals.move.contributedDone' : 'goals.move.withdrawnDone';
        notifications.show({ color: 'brand', message: t(key, { amount, name: goal.name }) });
        onDone(movement);
      },
      onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
    }),
  );
  return { mutation, submit };
}

/** A withdrawal larger than the goal holds is refused by the goal's account, not the person's: say so. */
function MoveProblem({ error, goal, contributing }: { error: unknown; goal: Goal; contributing: boolean }) {
  const { t } = useTranslation();
  const goalShort = !contributing && isApiError(error) && error.code === 'insufficient_funds';
  if (!goalShort) return <ProblemAlert error={error} />;
  return (
    <Alert color="red" variant="light" icon={<AlertIcon />} role="alert" title={t('errors.title')}>
      <Text size="sm">{t('goals.move.notEnoughSaved')}</Text>
      <Text size="sm" fw={600} mt={4}>
        {t('errors.available', {
          amount: formatBrl(problemInteger(error, 'available_cents') ?? goal.saved_cents),
        })}
      </Text>
    </Alert>
  );
}

/**
 * Moves money between one of the person's accounts and a goal: a contribution (depositar)
 * or a withdrawal (resgatar). Mounted fresh each time it opens: one Idempotency-Key per opening.
 */
export function GoalMoneyForm({ goal, direction, initialCents, onDone }: GoalMoneyFormProps) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const contributing = direction === 'contribute';
  const { form, accounts, accountsLoaded } = useMoveForm(initialCents);
  const { mutation, submit } = useSubmitMove(form, goal, contributing, onDone);

  if (accountsLoaded && accounts.length === 0) {
    return <Text c="dimmed">{t('goals.move.noAccounts')}</Text>;
  }

  const chosen = accounts.find((account) => account.id === form.values.accountId);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Text size="sm" c="dimmed">
            {t('goals.move.saved')}
          </Text>
          <Money cents={goal.saved_cents} fw={700} data-testid="goal-move-saved" />
        </Group>
        <Select
          {...form.getInputProps('accountId')}
          error={errorText(form.errors.accountId)}
          label={contributing ? t('goals.move.fromAccount') : t('goals.move.toAccount')}
          data={accounts.map((account) => ({ value: account.id, label: account.name }))}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          description={
            chosen ? (
              <span>
                {t('goals.move.accountBalance')} <Money cents={chosen.balance_cents} size="xs" />
              </span>
            ) : undefined
          }
        />
        <MoneyInput
          {...form.getInputProps('amount')}
          error={errorText(form.errors.amount)}
          label={t('goals.move.amount')}
          data-autofocus
          required
          withAsterisk={false}
        />
        <DateField
          {...form.getInputProps('date')}
          onChange={(value) => form.setFieldValue('date', value)}
          error={errorText(form.errors.date)}
          label={t('goals.move.date')}
          required
          withAsterisk={false}
        />
        <TextInput
          {...form.getInputProps('description')}
          error={errorText(form.errors.description)}
          label={t('goals.move.description')}
          placeholder={goal.name}
          maxLength={DESCRIPTION_LENGTH_MAX}
        />
        <MoveProblem error={mutation.error} goal={goal} contributing={contributing} />
        <Button type="submit" fullWidth loading={mutation.isPending}>
          {contributing ? t('goals.move.submitContribute') : t('goals.move.submitWithdraw')}
        </Button>
      </Stack>
    </form>
  );
}
