import { Button, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DESCRIPTION_LENGTH_MAX } from '../../api/ledger';
import { ApiError, problemRecord } from '../../api/problem';
import { CategoryPicker } from '../../components/CategoryPicker';
import { DateField } from '../../components/DateField';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { dayParts, weekdayOf } from '../../lib/calendar';
import { displayToIso, isoToDisplay, todayIso } from '../../lib/dates';
import { formatBrlInput } from '../../lib/money';
import { useLedgerLabels } from '../ledger/labels';
import { activeAccounts, LEDGER_KEYS, useAccounts, useCategories } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateChoice, validateDate, validateText } from '../ledger/validation';
import { daysInMonthMax, monthName, startOnProblem, startOnRange, weekdayName } from './agenda';
import {
  createRecurring,
  EVERY_DAYS_MAX,
  getRecurring,
  OCCURRENCES_MAX,
  patchRecurring,
  RECURRING_TYPES,
  type RecurringRule,
  type RecurringType,
  SCHEDULE_KINDS,
  type Schedule,
  type ScheduleKind,
} from './api';

interface RuleValues {
  type: RecurringType;
  description: string;
  amount: string;
  categoryId: string | null;
  accountId: string | null;
  toAccountId: string | null;
  kind: ScheduleKind;
  /** Select values are strings: day of the month 1–31, weekday 0–6, month 1–12. */
  day: string;
  weekday: string;
  month: string;
  everyDays: string;
  startOn: string;
  endOn: string;
  occurrencesMax: string;
}

const FIELDS_BY_API_NAME = {
  amount_cents: 'amount',
  description: 'description',
  category_id: 'categoryId',
  account_id: 'accountId',
  to_account_id: 'toAccountId',
  day: 'day',
  weekday: 'weekday',
  month: 'month',
  days: 'everyDays',
  start_on: 'startOn',
  end_on: 'endOn',
  occurrences_max: 'occurrencesMax',
} as const;

const DEFAULT_EVERY_DAYS = 15;
const MONTH_DAYS = Array.from({ length: 31 }, (_, index) => String(index + 1));
const WEEKDAYS = Array.from({ length: 7 }, (_, index) => String(index));
const MONTHS = Array.from({ length: 12 }, (_, index) => String(index + 1));

function wholeNumber(text: string, max: number): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= 1 && value <= max ? value : null;
}

function scheduleOf(values: RuleValues): Schedule {
  switch (values.kind) {
    case 'monthly':
      return { kind: 'monthly', day: Number(values.day) };
    case 'weekly':
      return { kind: 'weekly', weekday: Number(values.weekday) };
    case 'every_n_days':
      return { kind: 'every_n_days', days: wholeNumber(values.everyDays, EVERY_DAYS_MAX) ?? 1 };
    case 'yearly':
      return { kind: 'yearly', month: Number(values.month), day: Number(values.day) };
  }
}

function initialValues(rule: RecurringRule | undefined, firstAccountId: string | null): RuleValues {
  const today = todayIso();
  const todayParts = dayParts(today);
  const values: RuleValues = {
    type: rule?.type ?? 'expense',
    description: rule?.description ?? '',
    amount: rule ? formatBrlInput(rule.amount_cents) : '',
    categoryId: rule?.category_id ?? null,
    accountId: rule?.account_id ?? firstAccountId,
    toAccountId: rule?.to_account_id ?? null,
    kind: rule?.schedule.kind ?? 'monthly',
    day: String(todayParts.day),
    weekday: String(weekdayOf(today)),
    month: String(todayParts.month),
    everyDays: String(DEFAULT_EVERY_DAYS),
    startOn: isoToDisplay(rule?.start_on ?? today),
    endOn: rule?.end_on ? isoToDisplay(rule.end_on) : '',
    occurrencesMax: rule?.occurrences_max ? String(rule.occurrences_max) : '',
  };
  const schedule = rule?.schedule;
  if (schedule?.kind === 'monthly') values.day = String(schedule.day);
  if (schedule?.kind === 'weekly') values.weekday = String(schedule.weekday);
  if (schedule?.kind === 'every_n_days') values.everyDays = String(schedule.days);
  if (schedule?.kind === 'yearly') {
    values.month = String(schedule.month);
    values.day = String(schedule.day);
  }
  return values;
}

function currentRule(error: unknown, id: string): RecurringRule | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as RecurringRule;
}

function useRuleForm(rule: RecurringRule | undefined, firstAccountId: string | null) {
  return useForm<RuleValues>({
    initialValues: initialValues(rule, firstAccountId),
    validate: {
      description: (value) => validateText(value, { lengthMax: DESCRIPTION_LENGTH_MAX, required: true }),
      amount: (value) => validateAmount(value),
      accountId: validateChoice,
      toAccountId: (value, values) => {
        if (values.type !== 'transfer') return null;
        return validateChoice(value) ?? (value === values.accountId ? 'transfer.sameAccount' : null);
      },
      everyDays: (value, values) =>
        values.kind === 'every_n_days' && wholeNumber(value, EVERY_DAYS_MAX) === null ? 'recurring.form.daysInvalid' : null,
      day: (value, values) =>
        values.kind === 'yearly' && Number(value) > daysInMonthMax(Number(values.month)) ? 'recurring.form.dayNotInMonth' : null,
      startOn: (value) => {
        const problem = validateDate(value);
        if (problem) return problem;
        const start = displayToIso(value);
        // An edit cannot move the start, so only a new rule is held to the window.
        return rule === undefined && start.ok ? startOnMessage(startOnProblem(start.iso, todayIso())) : null;
      },
      endOn: (value, values) => {
        if (value.trim() === '') return null;
        const problem = validateDate(value);
        if (problem) return problem;
        const end = displayToIso(value);
        const start = displayToIso(values.startOn);
        return end.ok && start.ok && end.iso < start.iso ? 'recurring.form.endBeforeStart' : null;
      },
      occurrencesMax: (value) =>
        value.trim() !== '' && wholeNumber(value, OCCURRENCES_MAX) === null ? 'recurring.form.occurrencesInvalid' : null,
    },
  });
}

type RuleFormApi = ReturnType<typeof useRuleForm>;

const START_ON_MESSAGES = {
  too_far_in_past: 'recurring.form.startTooFarInPast',
  too_far_in_future: 'recurring.form.startTooFarInFuture',
} as const;

function startOnMessage(code: string | null): string | null {
  return code !== null && Object.hasOwn(START_ON_MESSAGES, code)
    ? START_ON_MESSAGES[code as keyof typeof START_ON_MESSAGES]
    : null;
}

/** Field errors from the server, with start_on's own codes shown in the form's words. */
function serverFieldErrors(error: unknown): Partial<Record<keyof RuleValues, string>> {
  const errors: Partial<Record<keyof RuleValues, string>> = mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME);
  if (error instanceof ApiError && error.code === 'validation_failed') {
    const startOn = error.problem.errors.find((problem) => problem.field === 'start_on');
    const message = startOnMessage(startOn?.code ?? null);
    if (message !== null) errors.startOn = message;
  }
  return errors;
}

/** Creates a recurring rule (one Idempotency-Key per opening) or edits its future occurrences. */
export function RecurringForm({ rule, onDone }: { rule?: RecurringRule; onDone: () => void }) {
  return rule ? <EditRuleForm rule={rule} onDone={onDone} /> : <CreateRuleForm onDone={onDone} />;
}

function CreateRuleForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const accountsQuery = useAccounts();
  const accounts = activeAccounts(accountsQuery.data);
  const form = useRuleForm(undefined, accounts[0]?.id ?? null);

  // Once the accounts arrive (the form may open before they load), preselect the first.
  const firstAccountId = accounts[0]?.id;
  const noAccountChosen = form.values.accountId === null;
  useEffect(() => {
    if (noAccountChosen && firstAccountId) form.setFieldValue('accountId', firstAccountId);
  }, [noAccountChosen, firstAccountId, form.setFieldValue]);

  const mutation = useIdempotentMutation({
    mutationFn: createRecurring,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring }),
  });

  const submit = form.onSubmit((values) => {
    const start = displayToIso(values.startOn);
    const end = displayToIso(values.endOn);
    const occurrences = wholeNumber(values.occurrencesMax, OCCURRENCES_MAX);
    const transfer = values.type === 'transfer';
    mutation.submit(
      {
        type: values.type,
        account_id: values.accountId ?? '',
        ...(transfer ? { to_account_id: values.toAccountId ?? '' } : { category_id: values.categoryId }),
        amount_cents: amountCents(values.amount),
        description: values.description.trim(),
        schedule: scheduleOf(values),
        start_on: start.ok ? start.iso : todayIso(),
        ...(end.ok ? { end_on: end.iso } : {}),
        ...(occurrences !== null ? { occurrences_max: occurrences } : {}),
      },
      {
        onSuccess: (created) => {
          notifications.show({ color: 'brand', message: t('recurring.form.createdDone', { name: created.description }) });
          onDone();
        },
        onError: (error) => form.setErrors(serverFieldErrors(error)),
      },
    );
  });

  if (accountsQuery.isSuccess && accounts.length === 0) {
    return <Text c="dimmed">{t('recurring.form.noAccounts')}</Text>;
  }
  return (
    <RuleFields form={form} onSubmit={submit} pending={mutation.isPending} submitLabel={t('recurring.form.submitCreate')}>
      <ProblemAlert error={mutation.error} />
    </RuleFields>
  );
}

function EditRuleForm({ rule, onDone }: { rule: RecurringRule; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useRuleForm(rule, rule.account_id);
  const [rowVersion, setRowVersion] = useState(rule.row_version);

  const mutation = useMutation({
    mutationFn: (values: RuleValues) => {
      const end = displayToIso(values.endOn);
      return patchRecurring(rule.id, {
        amount_cents: amountCents(values.amount),
        description: values.description.trim(),
        ...(rule.type === 'transfer' ? {} : { category_id: values.categoryId }),
        schedule: scheduleOf(values),
        end_on: end.ok ? end.iso : null,
        occurrences_max: wholeNumber(values.occurrencesMax, OCCURRENCES_MAX),
        row_version: rowVersion,
      });
    },
    onSuccess: (saved) => {
      const next = saved.status === 'active' ? saved.next_occurrence_on : null;
      notifications.show({
        color: 'brand',
        message: next ? t('recurring.form.savedNext', { date: isoToDisplay(next) }) : t('recurring.form.savedDone'),
      });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
  });

  const reloadCurrent = async () => {
    const current = currentRule(mutation.error, rule.id) ?? (await getRecurring(rule.id).catch(() => undefined));
    if (!current) return;
    form.setValues(initialValues(current, current.account_id));
    setRowVersion(current.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.recurring });
  };

  return (
    <RuleFields
      form={form}
      onSubmit={form.onSubmit((values) => mutation.mutate(values))}
      pending={mutation.isPending}
      submitLabel={t('forms.save')}
      editing
    >
      <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
    </RuleFields>
  );
}

interface RuleFieldsProps {
  form: RuleFormApi;
  onSubmit: (event?: FormEvent<HTMLFormElement>) => void;
  pending: boolean;
  submitLabel: string;
  /** An existing rule keeps its type, accounts and start; the rest applies to what is still to come. */
  editing?: boolean;
  children: ReactNode;
}

type RuleForm = RuleFormApi;

/** The type (fixed once the rule exists), the description and the amount. */
function WhatFields({ form, editing }: { form: RuleForm; editing: boolean }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const categories = useCategories().data ?? [];
  const { values } = form;

  const changeType = (next: string) => {
    const type = RECURRING_TYPES.find((item) => item === next);
    if (!type) return;
    form.setFieldValue('type', type);
    // A category belongs to one kind, and a transfer takes none.
    const chosen = categories.find((category) => category.id === values.categoryId);
    if (chosen && chosen.kind !== type) form.setFieldValue('categoryId', null);
  };

  return (
    <>
      {editing ? (
        <Text size="sm" c="dimmed">
          {t('recurring.form.fixed')}
        </Text>
      ) : (
        <SegmentedControl
          aria-label={t('recurring.form.type')}
          fullWidth
          value={values.type}
          onChange={changeType}
          color={values.type === 'expense' ? 'red' : values.type === 'income' ? 'teal' : 'gray'}
          data={RECURRING_TYPES.map((type) => ({ value: type, label: t(`recurring.types.${type}`) }))}
        />
      )}
      <TextInput
        {...form.getInputProps('description')}
        error={errorText(form.errors.description)}
        label={t('recurring.form.description')}
        placeholder={t('recurring.form.descriptionPlaceholder')}
        maxLength={DESCRIPTION_LENGTH_MAX}
        data-autofocus
        required
        withAsterisk={false}
      />
      <MoneyInput
        {...form.getInputProps('amount')}
        error={errorText(form.errors.amount)}
        label={t('recurring.form.amount')}
        required
        withAsterisk={false}
      />
    </>
  );
}

/** The category (not for a transfer) and the account, or both accounts of a transfer. */
function AccountFields({ form, editing }: { form: RuleForm; editing: boolean }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const errorText = useFormErrorText();
  const accounts = useAccounts().data ?? [];
  const categories = useCategories().data ?? [];
  const { values } = form;
  const transfer = values.type === 'transfer';
  // An archived account stays listed only where it is already the one chosen.
  const accountOptions = accounts
    .filter((account) => !account.archived || account.id === values.accountId || account.id === values.toAccountId)
    .map((account) => ({ value: account.id, label: account.name }));
  const categoryOptions = categories
    .filter((category) => category.kind === values.type && (!category.archived || category.id === values.categoryId))
    .map((category) => ({ value: category.id, label: labels.category(category) }));
  return (
    <>
      {transfer ? null : (
        <CategoryPicker
          {...form.getInputProps('categoryId')}
          error={errorText(form.errors.categoryId)}
          label={t('recurring.form.category')}
          placeholder={t('categories.none')}
          options={categoryOptions}
          clearable
        />
      )}
      <SimpleGrid cols={{ base: 1, xs: transfer ? 2 : 1 }} spacing="md">
        <Select
          {...form.getInputProps('accountId')}
          error={errorText(form.errors.accountId)}
          label={transfer ? t('recurring.form.fromAccount') : t('recurring.form.account')}
          data={accountOptions}
          allowDeselect={false}
          disabled={editing}
          comboboxProps={{ withinPortal: true }}
        />
        {transfer ? (
          <Select
            {...form.getInputProps('toAccountId')}
            error={errorText(form.errors.toAccountId)}
            label={t('recurring.form.toAccount')}
            data={accountOptions.filter((option) => option.value !== values.accountId)}
            allowDeselect={false}
            disabled={editing}
            comboboxProps={{ withinPortal: true }}
          />
        ) : null}
      </SimpleGrid>
    </>
  );
}

/** The frequency and the day it falls on: day of the month, weekday, every n days, or a day of the year. */
function ScheduleFields({ form, editing }: { form: RuleForm; editing: boolean }) {
  const { t } = useTranslation();
  const { values } = form;
  return (
    <>
      <Select
        value={values.kind}
        onChange={(next) => {
          const kind = SCHEDULE_KINDS.find((item) => item === next);
          if (kind) form.setFieldValue('kind', kind);
        }}
        label={t('recurring.form.frequency')}
        description={editing ? t('recurring.form.scheduleEditHint') : undefined}
        data={SCHEDULE_KINDS.map((kind) => ({ value: kind, label: t(`recurring.form.frequencies.${kind}`) }))}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
      />
      <ScheduleDayFields form={form} />
    </>
  );
}

function ScheduleDayFields({ form }: { form: RuleForm }) {
  const { t, i18n } = useTranslation();
  const errorText = useFormErrorText();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  const dayOptions = MONTH_DAYS.map((day) => ({ value: day, label: day }));
  switch (form.values.kind) {
    case 'monthly':
      return (
        <Select
          key="monthly"
          {...form.getInputProps('day')}
          error={errorText(form.errors.day)}
          label={t('recurring.form.day')}
          description={t('recurring.form.dayHint')}
          data={dayOptions}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
      );
    case 'weekly':
      return (
        <Select
          key="weekly"
          {...form.getInputProps('weekday')}
          error={errorText(form.errors.weekday)}
          label={t('recurring.form.weekday')}
          data={WEEKDAYS.map((weekday) => ({ value: weekday, label: weekdayName(Number(weekday), language) }))}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
      );
    case 'every_n_days':
      return (
        <TextInput
          key="every_n_days"
          {...form.getInputProps('everyDays')}
          error={errorText(form.errors.everyDays)}
          label={t('recurring.form.everyDays')}
          inputMode="numeric"
          maxLength={3}
        />
      );
    case 'yearly':
      return (
        <SimpleGrid cols={2} spacing="md">
          <Select
            {...form.getInputProps('day')}
            error={errorText(form.errors.day)}
            label={t('recurring.form.dayOfMonth')}
            data={dayOptions}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            {...form.getInputProps('month')}
            error={errorText(form.errors.month)}
            label={t('recurring.form.month')}
            data={MONTHS.map((month) => ({ value: month, label: monthName(Number(month), language) }))}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
        </SimpleGrid>
      );
  }
}

/** When the rule starts (fixed once it exists), when it ends, and how many times at most. */
function PeriodFields({ form, editing }: { form: RuleForm; editing: boolean }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const range = startOnRange(todayIso());
  const startOnHint = t('recurring.form.startOnHint', {
    earliest: isoToDisplay(range.earliest),
    latest: isoToDisplay(range.latest),
  });
  return (
    <>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
        <DateField
          {...form.getInputProps('startOn')}
          onChange={(value) => form.setFieldValue('startOn', value)}
          error={errorText(form.errors.startOn)}
          label={t('recurring.form.startOn')}
          description={editing ? undefined : startOnHint}
          disabled={editing}
          required
          withAsterisk={false}
        />
        <DateField
          {...form.getInputProps('endOn')}
          onChange={(value) => form.setFieldValue('endOn', value)}
          error={errorText(form.errors.endOn)}
          label={t('recurring.form.endOn')}
        />
      </SimpleGrid>
      <TextInput
        {...form.getInputProps('occurrencesMax')}
        error={errorText(form.errors.occurrencesMax)}
        label={t('recurring.form.occurrencesMax')}
        description={t('recurring.form.occurrencesHint')}
        inputMode="numeric"
        maxLength={4}
      />
    </>
  );
}

function RuleFields({ form, onSubmit, pending, submitLabel, editing = false, children }: RuleFieldsProps) {
  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="md">
        <WhatFields form={form} editing={editing} />
        <AccountFields form={form} editing={editing} />
        <ScheduleFields form={form} editing={editing} />
        <PeriodFields form={form} editing={editing} />
        {children}
        <Button type="submit" fullWidth loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
