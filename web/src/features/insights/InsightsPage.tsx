import { Center, Loader, Stack, Title } from '@mantine/core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../components/usePageTitle';
import { currentMonth } from '../../lib/months';
import { MonthPicker } from '../budgets/MonthPicker';

const InsightsDetails = lazy(async () => ({ default: (await import('./InsightsCharts')).InsightsDetails }));

/** Análises: one month's figures and charts, from the ledger. */
export function InsightsPage() {
  const { t } = useTranslation();
  usePageTitle(t('insights.pageTitle'));
  const [month, setMonth] = useState(currentMonth());
  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Title order={1}>{t('insights.pageTitle')}</Title>
      <MonthPicker month={month} onChange={setMonth} max={currentMonth()} />
      <Suspense
        fallback={
          <Center py="xl">
            <Loader aria-label={t('app.loading')} />
          </Center>
        }
      >
        <InsightsDetails month={month} />
      </Suspense>
    </Stack>
  );
}
