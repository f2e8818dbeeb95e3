import { Box, Center, Loader } from '@mantine/core';
import { useInViewport } from '@mantine/hooks';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { currentMonth } from '../../lib/months';
import { useInsightsDisabled } from './availability';

const DashboardCharts = lazy(async () => ({ default: (await import('./InsightsCharts')).DashboardCharts }));

/** Room kept for the charts before they arrive, so the page does not jump when they do. */
const PLACEHOLDER_HEIGHT_PX = 320;

/**
 * The dashboard's charts, at the foot of the page: their code (and Recharts) is fetched when
 * the place they go comes into view, never with the first screen (docs/PERFORMANCE.md).
 */
export function LazyDashboardCharts() {
  const { t } = useTranslation();
  const disabled = useInsightsDisabled();
  const { ref, inViewport } = useInViewport();
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (inViewport) setSeen(true);
  }, [inViewport]);
  if (disabled) return null;
  const loading = (
    <Center py="xl">
      <Loader size="sm" aria-label={t('app.loading')} />
    </Center>
  );
  return (
    <Box ref={ref} mih={seen ? undefined : PLACEHOLDER_HEIGHT_PX} data-testid="dashboard-charts-place">
      {seen ? (
        <Suspense fallback={loading}>
          <DashboardCharts month={currentMonth()} />
        </Suspense>
      ) : null}
    </Box>
  );
}
