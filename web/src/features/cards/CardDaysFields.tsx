import { Radio, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../api/ledger';
import { CARD_DAY_MAX, CARD_DAY_MIN } from './api';
import { parseCardDay } from './bills';

export type ClosingDayPurchases = 'next_bill' | 'this_bill';

/** The card's bill days as the account forms keep them: typed text, checked on submit. */
export interface CardDaysValues {
  closingDay: string;
  dueDay: string;
  closingDayPurchases: ClosingDayPurchases;
}

const BOUNDS = { min: CARD_DAY_MIN, max: CARD_DAY_MAX };

export function cardDaysValuesOf(account: Pick<Account, 'closing_day' | 'due_day' | 'closing_day_purchases'> | null) {
  return {
    closingDay: account?.closing_day ? String(account.closing_day) : '',
    dueDay: account?.due_day ? String(account.due_day) : '',
    closingDayPurchases: account?.closing_day_purchases ?? 'next_bill',
  } satisfies CardDaysValues;
}

/**
 * The rules of the two day fields: each empty or 1..31, and both or neither (the server
 * sets them together). `required` once the card has days: they cannot be taken away.
 */
export function cardDayRule<V extends CardDaysValues>(
  other: 'closingDay' | 'dueDay',
  options: { applies: (values: V) => boolean; required: boolean },
) {
  return (value: string, values: V): string | null => {
    if (!options.applies(values)) return null;
    const parsed = parseCardDay(value, BOUNDS);
    if (!parsed.ok) return 'cards.validation.dayRange';
    const otherParsed = parseCardDay(values[other], BOUNDS);
    const otherSet = otherParsed.ok && otherParsed.day !== null;
    if (parsed.day === null && (otherSet || options.required)) return 'cards.validation.bothDays';
    return null;
  };
}

/** The days to send: none when both were left empty, else both with the closing-day rule. */
export function cardDaysPayload(values: CardDaysValues) {
  const closing = parseCardDay(values.closingDay, BOUNDS);
  const due = parseCardDay(values.dueDay, BOUNDS);
  if (!closing.ok || !due.ok || closing.day === null || due.day === null) return {};
  return { closing_day: closing.day, due_day: due.day, closing_day_purchases: values.closingDayPurchases };
}

/** Whether the days sent differ from the card's: saving the same days again sends none. */
export function cardDaysChanged(
  payload: ReturnType<typeof cardDaysPayload>,
  account: Pick<Account, 'closing_day' | 'due_day' | 'closing_day_purchases'>,
): boolean {
  if (payload.closing_day === undefined) return false;
  return (
    payload.closing_day !== account.closing_day ||
    payload.due_day !== account.due_day ||
    payload.closing_day_purchases !== account.closing_day_purchases
  );
}

interface CardDaysFieldsProps<V extends CardDaysValues> {
  form: UseFormReturnType<V>;
  errorText: (error: ReactNode) => ReactNode;
}

/** Closing day, due day and where closing-day purchases go, with how short months clamp. */
export function CardDaysFields<V extends CardDaysValues>({ form, errorText }: CardDaysFieldsProps<V>) {
  const { t } = useTranslation();
  // The form's values include these three; Mantine's path types do not see through the generic.
  const typed = form as unknown as UseFormReturnType<CardDaysValues>;
  return (
    <Stack gap="xs">
      <SimpleGrid cols={2} spacing="md">
        <TextInput
          {...typed.getInputProps('closingDay')}
          error={errorText(typed.errors.closingDay)}
          label={t('cards.fields.closingDay')}
          placeholder={t('cards.fields.dayPlaceholder')}
          inputMode="numeric"
          autoComplete="off"
          maxLength={2}
        />
        <TextInput
          {...typed.getInputProps('dueDay')}
          error={errorText(typed.errors.dueDay)}
          label={t('cards.fields.dueDay')}
          placeholder={t('cards.fields.dayPlaceholder')}
          inputMode="numeric"
          autoComplete="off"
          maxLength={2}
        />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {t('cards.fields.daysHint')}
      </Text>
      <Radio.Group
        value={typed.values.closingDayPurchases}
        onChange={(value) => typed.setFieldValue('closingDayPurchases', value === 'this_bill' ? 'this_bill' : 'next_bill')}
        label={t('cards.fields.closingDayPurchases')}
        description={t('cards.fields.closingDayPurchasesHint')}
      >
        <Stack gap="xs" mt="xs">
          <Radio value="next_bill" label={t('cards.fields.nextBill')} />
          <Radio value="this_bill" label={t('cards.fields.thisBill')} />
        </Stack>
      </Radio.Group>
    </Stack>
  );
}
