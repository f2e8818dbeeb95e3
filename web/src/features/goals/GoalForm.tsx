import { ActionIcon, Button, Group, Input, Stack, TextInput, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { problemRecord } from '../../api/problem';
import { DateField } from '../../components/DateField';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { displayToIso, isoToDisplay } from '../../lib/dates';
import { formatBrlInput } from '../../lib/money';
import { LEDGER_KEYS } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateDate, validateText } from '../ledger/validation';
import { createGoal, GOAL_NAME_LENGTH_MAX, type Goal, getGoal, patchGoal } from './api';

/** A few emoji a person can pick for a goal; the API takes any short text. */
export const GOAL_ICONS = [
  { icon: '🎯', name: 'target' },
  { icon: '✈️', name: 'travel' },
  { icon: '🏖️', name: 'beach' },
  { icon: '🏠', name: 'home' },
  { icon: '🚗', name: 'car' },
  { icon: '🎓', name: 'study' },
  { icon: '💍', name: 'wedding' },
  { icon: '🛟', name: 'emergency' },
  { icon: '🎁', name: 'gift' },
  { icon: '💻', name: 'computer' },
] as const;

interface GoalValues {
  name: string;
  target: string;
  targetDate: string;
  icon: string | null;
}

const FIELDS_BY_API_NAME = { name: 'name', target_cents: 'target', target_date: 'targetDate', icon: 'icon' } as const;

function valuesOf(goal: Goal | undefined): GoalValues {
  if (!goal) return { name: '', target: '', targetDate: '', icon: null };
  return {
    name: goal.name,
    target: formatBrlInput(goal.target_cents),
    targetDate: goal.target_date ? isoToDisplay(goal.target_date) : '',
    icon: goal.icon,
  };
}

function currentGoal(error: unknown, id: string): Goal | undefined {
  const current = problemRecord(error, 'current');
  if (!current || current.id !== id || typeof current.row_version !== 'number') return undefined;
  return current as unknown as Goal;
}

function useGoalForm(goal: Goal | undefined) {
  return useForm<GoalValues>({
    initialValues: valuesOf(goal),
    validate: {
      name: (value) => validateText(value, { lengthMax: GOAL_NAME_LENGTH_MAX, required: true }),
      target: (value) => validateAmount(value),
      targetDate: (value) => (value.trim() === '' ? null : validateDate(value)),
    },
  });
}

type GoalFormApi = ReturnType<typeof useGoalForm>;

/** Creates a goal (one Idempotency-Key per opening) or edits one with the row_version it was read at. */
export function GoalForm({ goal, onDone }: { goal?: Goal; onDone: () => void }) {
  return goal ? <EditGoalForm goal={goal} onDone={onDone} /> : <CreateGoalForm onDone={onDone} />;
}

function CreateGoalForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useGoalForm(undefined);
  const mutation = useIdempotentMutation({
    mutationFn: createGoal,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals }),
  });
  const submit = form.onSubmit((values) => {
    const date = displayToIso(values.targetDate);
    mutation.submit(
      {
        name: values.name.trim(),
        target_cents: amountCents(values.target),
        ...(date.ok ? { target_date: date.iso } : {}),
        ...(values.icon ? { icon: values.icon } : {}),
      },
      {
        onSuccess: (created) => {
          notifications.show({ color: 'brand', message: t('goals.form.createdDone', { name: created.name }) });
          onDone();
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });
  return (
    <GoalFields form={form} onSubmit={submit} pending={mutation.isPending} submitLabel={t('goals.form.submitCreate')}>
      <ProblemAlert error={mutation.error} />
    </GoalFields>
  );
}

function EditGoalForm({ goal, onDone }: { goal: Goal; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useGoalForm(goal);
  const [rowVersion, setRowVersion] = useState(goal.row_version);
  const mutation = useMutation({
    mutationFn: (values: GoalValues) => {
      const date = displayToIso(values.targetDate);
      return patchGoal(goal.id, {
        name: values.name.trim(),
        target_cents: amountCents(values.target),
        target_date: date.ok ? date.iso : null,
        icon: values.icon,
        row_version: rowVersion,
      });
    },
    onSuccess: () => {
      notifications.show({ color: 'brand', message: t('goals.form.savedDone') });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
  });

  const reloadCurrent = async () => {
    // The conflict answer carries the server's current goal; if it somehow does not, ask.
    const current = currentGoal(mutation.error, goal.id) ?? (await getGoal(goal.id).catch(() => undefined));
    if (!current) return;
    form.setValues(valuesOf(current));
    setRowVersion(current.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.goals });
  };

  return (
    <GoalFields
      form={form}
      onSubmit={form.onSubmit((values) => mutation.mutate(values))}
      pending={mutation.isPending}
      submitLabel={t('forms.save')}
    >
      <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
    </GoalFields>
  );
}

function GoalFields({
  form,
  onSubmit,
  pending,
  submitLabel,
  children,
}: {
  form: GoalFormApi;
  onSubmit: (event?: FormEvent<HTMLFormElement>) => void;
  pending: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="md">
        <TextInput
          {...form.getInputProps('name')}
          error={errorText(form.errors.name)}
          label={t('goals.form.name')}
          placeholder={t('goals.form.namePlaceholder')}
          maxLength={GOAL_NAME_LENGTH_MAX}
          data-autofocus
          required
          withAsterisk={false}
        />
        <MoneyInput
          {...form.getInputProps('target')}
          error={errorText(form.errors.target)}
          label={t('goals.form.target')}
          required
          withAsterisk={false}
        />
        <DateField
          {...form.getInputProps('targetDate')}
          onChange={(value) => form.setFieldValue('targetDate', value)}
          error={errorText(form.errors.targetDate)}
          label={t('goals.form.targetDate')}
          description={t('goals.form.targetDateHint')}
        />
        <IconPicker value={form.values.icon} onChange={(icon) => form.setFieldValue('icon', icon)} />
        {children}
        <Button type="submit" fullWidth loading={pending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}

function IconPicker({ value, onChange }: { value: string | null; onChange: (icon: string | null) => void }) {
  const { t } = useTranslation();
  // An icon set elsewhere (through the API) that is not among the presets stays choosable.
  const custom = value !== null && !GOAL_ICONS.some((item) => item.icon === value) ? value : null;
  const choices = [
    ...GOAL_ICONS.map((item) => ({ icon: item.icon, label: t(`goals.icons.${item.name}`) })),
    ...(custom ? [{ icon: custom, label: custom }] : []),
  ];
  return (
    <Input.Wrapper label={t('goals.form.icon')} labelElement="div">
      <Group gap={6} mt={4} role="group" aria-label={t('goals.form.icon')}>
        {choices.map((choice) => (
          <Tooltip key={choice.icon} label={choice.label} openDelay={400}>
            <ActionIcon
              variant={value === choice.icon ? 'light' : 'subtle'}
              color={value === choice.icon ? 'brand' : 'gray'}
              size={40}
              radius="md"
              aria-label={choice.label}
              aria-pressed={value === choice.icon}
              onClick={() => onChange(value === choice.icon ? null : choice.icon)}
              style={value === choice.icon ? { outline: '2px solid var(--mantine-color-brand-6)' } : undefined}
            >
              <span style={{ fontSize: 20, lineHeight: 1 }} aria-hidden="true">
                {choice.icon}
              </span>
            </ActionIcon>
          </Tooltip>
        ))}
      </Group>
    </Input.Wrapper>
  );
}
