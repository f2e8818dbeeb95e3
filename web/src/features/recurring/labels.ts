import { useTranslation } from 'react-i18next';
import { codeMessageKey } from '../../i18n/problems';
import { dayOfYearLabel, MONTH_DAYS_SAFE, weekdayName } from './agenda';
import type { FailedOccurrence, Schedule } from './api';

/** Words for a rule's schedule and for why an occurrence was not posted, in the person's language. */
export function useRecurringLabels() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'pt-BR';
  return {
    schedule: (schedule: Schedule): string => {
      switch (schedule.kind) {
        case 'monthly':
          return schedule.day > MONTH_DAYS_SAFE
            ? t('recurring.schedule.monthlyLate', { day: schedule.day })
            : t('recurring.schedule.monthly', { day: schedule.day });
        case 'weekly':
          return t('recurring.schedule.weekly', { weekday: weekdayName(schedule.weekday, language) });
        case 'every_n_days':
          return schedule.days === 1
            ? t('recurring.schedule.daily')
            : t('recurring.schedule.everyNDays', { days: schedule.days });
        case 'yearly':
          return t('recurring.schedule.yearly', { date: dayOfYearLabel(schedule.month, schedule.day, language) });
      }
    },
    /** "Saldo insuficiente nesta conta." for insufficient_funds, and so on; a generic text otherwise. */
    failure: (failure: Pick<FailedOccurrence, 'failure_code'>): string => t(codeMessageKey(failure.failure_code)),
  };
}
