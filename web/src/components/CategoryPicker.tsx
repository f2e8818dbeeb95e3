import { Select, type SelectProps } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { PAGE_LIMIT_MAX } from '../api/ledger';
import { useTransactions } from '../features/ledger/queries';
import { accentInsensitiveFilter } from './foldForSearch';

/** How many recently used categories are offered first. */
export const RECENT_CATEGORIES_MAX = 5;
/** The latest transactions the recent categories are read from (one page of the list). */
const RECENT_TRANSACTIONS_SCANNED = PAGE_LIMIT_MAX;
/** Keeps the list above a phone's keyboard and inside the dialog. */
const DROPDOWN_HEIGHT_MAX_PX = 260;

export interface CategoryOption {
  value: string;
  label: string;
}

interface CategoryPickerProps extends Omit<SelectProps, 'data' | 'filter' | 'searchable'> {
  /** The categories that may be chosen here, already filtered by kind and labelled. */
  options: readonly CategoryOption[];
}

/**
 * The ids of the categories used in the person's latest transactions, newest first, from
 * the transactions list query (the API has no "recent categories" endpoint).
 */
export function useRecentCategoryIds(): string[] {
  const latest = useTransactions({}, { skip: 0, limit: RECENT_TRANSACTIONS_SCANNED });
  return useMemo(() => {
    const ids: string[] = [];
    for (const transaction of latest.data?.items ?? []) {
      const id = transaction.category_id;
      if (id && !ids.includes(id)) ids.push(id);
      if (ids.length === RECENT_CATEGORIES_MAX) break;
    }
    return ids;
  }, [latest.data]);
}

/**
 * A category field one can type into: the recently used categories first, then the
 * others in their usual order; typing filters both. Esc closes the list and Enter
 * chooses the highlighted category, as in any select.
 */
export function CategoryPicker({ options, comboboxProps, ...rest }: CategoryPickerProps) {
  const { t } = useTranslation();
  const recentIds = useRecentCategoryIds();
  const data = useMemo(() => {
    const recent = recentIds.map((id) => options.find((option) => option.value === id)).filter((option) => option !== undefined);
    if (recent.length === 0) return [...options];
    const others = options.filter((option) => !recentIds.includes(option.value));
    return [
      { group: t('categoryPicker.recent'), items: recent },
      { group: t('categoryPicker.all'), items: others },
    ];
  }, [options, recentIds, t]);

  return (
    <Select
      // Enter on the chosen category keeps it (Mantine's default would clear it); the clear button clears.
      allowDeselect={false}
      {...rest}
      data={data}
      searchable
      // Typing "Trans" and pressing Enter picks Transporte: the first match is highlighted.
      selectFirstOptionOnChange
      filter={accentInsensitiveFilter}
      nothingFoundMessage={t('categoryPicker.nothingFound')}
      maxDropdownHeight={DROPDOWN_HEIGHT_MAX_PX}
      // Inside a phone's full-screen dialog the list must flip or shift rather than run off its edge.
      comboboxProps={{ withinPortal: true, middlewares: { flip: true, shift: { padding: 8 } }, ...comboboxProps }}
    />
  );
}
