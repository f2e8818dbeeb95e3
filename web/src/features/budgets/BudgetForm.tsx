import { Button, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bodyItemLimit } from '../../api/limits';
import { isApiError, problemRecord } from '../../api/problem';
import { CategoryPicker } from '../../components/CategoryPicker';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { DEFAULT_ALERT_THRESHOLDS } from '../../lib/bounds';
import { formatBrlInput } from '../../lib/money';
import { useLedgerLabels } from '../ledger/labels';
import { LEDGER_KEYS, useCategories } from '../ledger/queries';
import { amountCents, useFormErrorText, validateAmount, validateChoice } from '../ledger/validation';
import { type BudgetLine, getBudgetMonth, putBudget } from './api';
import { ALERT_THRESHOLDS_MAX } from './status';

/** The lowest alert the server accepts, in whole percent. */
const ALERT_PERCENT_MIN = bodyItemLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'minimum');
/**
 * The first alert is asked for at or below the limit itself (100 % of what is available).
 * The server takes thresholds up to a higher percent, but a first alert past the limit
 * would only ever fire after the line has already turned red.
 */
const ALERT_PERCENT_MAX = 100;
/** The highest threshold the server accepts, in whole percent. */
const FURTHER_ALERT_PERCENT_MAX = bodyItemLimit('put', '/api/budgets/{month}/{category_id}', 'alert_thresholds', 'maximum');

interface BudgetValues {
  categoryId: string | null;
  limit: string;
  rollover: boolean;
  alertAt: string;
  /** The thresholds above the first, as typed: "80, 100". */
  moreAlerts: string;
}

const FIELDS_BY_API_NAME = { limit_cents: 'limit', rollover: 'rollover', alert_thresholds: 'alertAt' } as const;

function valuesOf(line: BudgetLine | undefined): BudgetValues {
  const [first, ...more] = [...(line?.alert_thresholds ?? DEFAULT_ALERT_THRESHOLDS)].sort((a, b) => a - b);
  return {
    categoryId: line?.category_id ?? null,
    limit: line ? formatBrlInput(line.limit_cents) : '',
    rollover: line?.rollover ?? false,
    alertAt: String(first ?? DEFAULT_ALERT_THRESHOLDS[0]),
    moreAlerts: more.join(', '),
  };
}

/** "80, 100" → [80, 100]; undefined when a part is not a whole number. */
function parseMoreAlerts(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter((part) => part.length > 0);
  if (!parts.every((part) => /^\d{1,4}$/.test(part))) return undefined;
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

function validateMoreAlerts(text: string, values: BudgetValues): string | null {
  const more = parseMoreAlerts(text);
  const first = Number(values.alertAt.trim());
  const valid =
    more !== undefined &&
    more.length < ALERT_THRESHOLDS_MAX &&
    more.every((threshold) => threshold > first && threshold <= FURTHER_ALERT_PERCENT_MAX);
  return valid ? null : 'budgets.form.moreAlertsInvalid';
}

/** Every threshold to save: the first alert and the ones above it. */
function thresholdsOf(values: BudgetValues): number[] {
  return [Number(values.alertAt.trim()), ...(parseMoreAlerts(values.moreAlerts) ?? [])];
}

function validateAlertPercent(text: string): string | null {
  const trimmed = text.trim();
  const value = Number(trimmed);
  const valid = /^\d{1,3}$/.test(trimmed) && value >= ALERT_PERCENT_MIN && value <= ALERT_PERCENT_MAX;
  return valid ? null : 'budgets.form.alertInvalid';
}

/**
 * The `current` member of a conflict answer: the line as it is now, null when it was
 * removed meanwhile, undefined when the answer does not say.
 */
function currentLine(error: unknown, categoryId: string): BudgetLine | null | undefined {
  if (isApiError(error) && error.problem.extensions.current === null) return null;
  const current = problemRecord(error, 'current');
  return current && current.category_id === categoryId && typeof current.row_version === 'number'
    ? (current as unknown as BudgetLine)
    : undefined;
}

interface BudgetFormProps {
  month: string;
  /** The line being changed; without it, a new budget for a category that has none this month. */
  line?: BudgetLine;
  /** Categories that already have a budget this month (not offered for a new one). */
  budgetedCategoryIds: ReadonlySet<string>;
  onDone: () => void;
}

/** The expense categories a budget may be set for: this line's, or any active one without a budget yet. */
function useCategoryOptions(line: BudgetLine | undefined, budgetedCategoryIds: ReadonlySet<string>) {
  const labels = useLedgerLabels();
  const categories = useCategories().data ?? [];
  const options = categories
    .filter(
      (category) =>
        category.kind === 'expense' &&
        (category.id === line?.category_id || (!category.archived && !budgetedCategoryIds.has(category.id))),
    )
    .map((category) => ({ value: category.id, label: labels.category(category) }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return { options, anyCategory: categories.length > 0 };
}

/**
 * The form, the save and the conflict reload. The version the form was filled from rides
 * along (a new budget sends none), and so do the thresholds past the first.
 */
function useBudgetSave(month: string, line: BudgetLine | undefined, onDone: () => void) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const queryClient = useQueryClient();
  const [rowVersion, setRowVersion] = useState<number | undefined>(line?.row_version);
  const form = useForm<BudgetValues>({
    initialValues: valuesOf(line),
    validate: {
      categoryId: validateChoice,
      limit: (value) => validateAmount(value),
      alertAt: validateAlertPercent,
      moreAlerts: validateMoreAlerts,
    },
  });
  const categoryName = (saved: Pick<BudgetLine, 'category_name' | 'category_system_key'>) =>
    labels.category({ name: saved.category_name, system_key: saved.category_system_key });

  const mutation = useMutation({
    mutationFn: (values: BudgetValues) =>
      putBudget({
        month,
        categoryId: values.categoryId ?? '',
        body: {
          limit_cents: amountCents(values.limit),
          rollover: values.rollover,
          alert_thresholds: thresholdsOf(values),
          ...(rowVersion !== undefined ? { row_version: rowVersion } : {}),
        },
      }),
    onSuccess: (saved) => {
      notifications.show({ color: 'brand', message: t('budgets.form.savedDone', { category: categoryName(saved) }) });
      void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.budgets });
      onDone();
    },
    onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
  });

  const reloadCurrent = async () => {
    const categoryId = form.values.categoryId ?? '';
    let current = currentLine(mutation.error, categoryId);
    if (current === undefined) {
      // Not in the answer: read the month again.
      const fresh = await getBudgetMonth(month).catch(() => undefined);
      if (!fresh) return;
      current = fresh.items.find((item) => item.category_id === categoryId) ?? null;
    }
    // Removed meanwhile (null): saving creates it again, with no version.
    form.setValues(current ? valuesOf(current) : { ...form.values });
    setRowVersion(current?.row_version);
    mutation.reset();
    notifications.show({ message: t('conflict.reloaded') });
    void queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.budgets });
  };
  return { form, mutation, reloadCurrent };
}

/** Sets one category's budget for a month: the limit, rollover, and where the amber alert starts. */
export function BudgetForm({ month, line, budgetedCategoryIds, onDone }: BudgetFormProps) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const { options, anyCategory } = useCategoryOptions(line, budgetedCategoryIds);
  const { form, mutation, reloadCurrent } = useBudgetSave(month, line, onDone);

  if (!line && options.length === 0 && anyCategory) {
    return <Text c="dimmed">{t('budgets.form.allBudgeted')}</Text>;
  }

  return (
    <form onSubmit={form.onSubmit((values) => mutation.mutate(values))} noValidate>
      <Stack gap="md">
        {line ? null : (
          <CategoryPicker
            {...form.getInputProps('categoryId')}
            error={errorText(form.errors.categoryId)}
            label={t('budgets.form.category')}
            placeholder={t('budgets.form.categoryPlaceholder')}
            options={options}
            allowDeselect={false}
          />
        )}
        <MoneyInput
          {...form.getInputProps('limit')}
          error={errorText(form.errors.limit)}
          label={t('budgets.form.limit')}
          data-autofocus={line ? true : undefined}
          required
          withAsterisk={false}
        />
        <TextInput
          {...form.getInputProps('alertAt')}
          error={errorText(form.errors.alertAt)}
          label={t('budgets.form.alertAt')}
          description={t('budgets.form.alertAtHint')}
          inputMode="numeric"
          maxLength={3}
          rightSection={<span aria-hidden="true">%</span>}
          styles={{ input: { fontVariantNumeric: 'tabular-nums' } }}
        />
        <TextInput
          {...form.getInputProps('moreAlerts')}
          error={form.errors.moreAlerts ? t('budgets.form.moreAlertsInvalid', { count: ALERT_THRESHOLDS_MAX - 1 }) : undefined}
          label={t('budgets.form.moreAlerts')}
          description={t('budgets.form.moreAlertsHint')}
          inputMode="numeric"
          styles={{ input: { fontVariantNumeric: 'tabular-nums' } }}
        />
        <Switch
          {...form.getInputProps('rollover', { type: 'checkbox' })}
          label={t('budgets.form.rollover')}
          description={t('budgets.form.rolloverHint')}
        />
        <ProblemAlert error={mutation.error} onReloadCurrent={() => void reloadCurrent()} />
        <Button type="submit" fullWidth loading={mutation.isPending}>
          {t('budgets.form.submit')}
        </Button>
      </Stack>
    </form>
  );
}
