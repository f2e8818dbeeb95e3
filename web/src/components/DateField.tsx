import { ActionIcon, Popover, TextInput, type TextInputProps } from '@mantine/core';
import { DatePicker } from '@mantine/dates';
import 'dayjs/locale/pt-br';
import '@mantine/dates/styles.css';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { OCCURRED_ON_MAX, OCCURRED_ON_MIN } from '../../../src/policies/ledger_v1';
import { displayToIso, isoToDisplay, maskDateText, todayIso } from '../lib/dates';
import { CalendarIcon } from './icons';

interface DateFieldProps extends Omit<TextInputProps, 'value' | 'onChange'> {
  value?: string;
  onChange: (value: string) => void;
}

/** Brazilian calendars start the week on Sunday (0), and so do American ones. */
const FIRST_DAY_OF_WEEK_SUNDAY = 0;

/**
 * A dd/mm/aaaa text field (digits only, the slashes are added while typing) with a
 * calendar beside it. The calendar opens on the typed day's month, or on today's (the
 * page's clock, in São Paulo), and offers only the days the API accepts.
 */
export function DateField({ value = '', onChange, ...rest }: DateFieldProps) {
  const { t, i18n } = useTranslation();
  const [calendarOpened, calendar] = useDisclosure(false);
  const typed = displayToIso(value);
  const shownIso = typed.ok ? typed.iso : todayIso();

  const picker = (
    <Popover opened={calendarOpened} onChange={calendar.set} position="bottom-end" shadow="md" trapFocus returnFocus withinPortal>
      <Popover.Target>
        <ActionIcon
          variant="subtle"
          color="gray"
          size="lg"
          aria-label={t('dateField.openCalendar')}
          aria-expanded={calendarOpened}
          onClick={calendar.toggle}
        >
          <CalendarIcon size={20} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown
        p="xs"
        role="dialog"
        aria-label={t('dateField.calendar')}
        // Esc closes the calendar only. A dialog around the field closes on any Esc pressed
        // inside it unless the focused element carries Mantine's stop-propagation mark (its
        // own comboboxes set it the same way).
        onFocusCapture={(event) => event.target.setAttribute('data-mantine-stop-propagation', 'true')}
      >
        <DatePicker
          value={typed.ok ? typed.iso : null}
          defaultDate={shownIso}
          minDate={OCCURRED_ON_MIN}
          maxDate={OCCURRED_ON_MAX}
          firstDayOfWeek={FIRST_DAY_OF_WEEK_SUNDAY}
          locale={i18n.resolvedLanguage === 'en' ? 'en' : 'pt-br'}
          ariaLabels={{
            previousMonth: t('dateField.previousMonth'),
            nextMonth: t('dateField.nextMonth'),
            monthLevelControl: t('dateField.chooseMonth'),
            yearLevelControl: t('dateField.chooseYear'),
            previousYear: t('dateField.previousYear'),
            nextYear: t('dateField.nextYear'),
            previousDecade: t('dateField.previousDecade'),
            nextDecade: t('dateField.nextDecade'),
          }}
          onChange={(iso) => {
            if (iso) onChange(isoToDisplay(iso));
            calendar.close();
          }}
        />
      </Popover.Dropdown>
    </Popover>
  );

  return (
    <TextInput
      placeholder={t('date.placeholder')}
      {...rest}
      value={value}
      onChange={(event) => onChange(maskDateText(event.currentTarget.value))}
      inputMode="numeric"
      autoComplete="off"
      maxLength={10}
      aria-invalid={rest.error ? true : undefined}
      rightSection={picker}
      rightSectionWidth={48}
      rightSectionPointerEvents="all"
      styles={{ input: { fontVariantNumeric: 'tabular-nums' } }}
    />
  );
}
