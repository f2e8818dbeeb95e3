import { featureAvailability, useFeatureDisabled } from '../../lib/featureAvailability';

export { isFeatureDisabled } from '../../lib/featureAvailability';

/** Insights, off with ENABLE_INSIGHTS=false. */
const insights = featureAvailability('insights');
export const noteInsightsError = insights.noteError;
export function useInsightsDisabled(): boolean {
  return useFeatureDisabled(insights);
}
