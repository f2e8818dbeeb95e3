import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { applyServerFeatures } from './featureAvailability';
import { setReadOnly } from './readOnly';

const CONFIG_RETRIES_MAX = 2;

/**
 * GET /api/config: the server's feature flags and read-only state, which the menu, the
 * screens and the write buttons follow. Asked once at start, beside the session check and
 * never before it; while it is on its way the app shows what this tab last knew.
 */
async function fetchServerConfig() {
  const config = await unwrap(api.GET('/api/config'));
  applyServerFeatures(config.features);
  setReadOnly(config.read_only);
  return config;
}

export const serverConfigQuery = queryOptions({
  queryKey: ['server-config'] as const,
  queryFn: fetchServerConfig,
  // A failed answer leaves the app as it was: a feature's own 404 feature_disabled still hides it.
  retry: (failureCount) => failureCount < CONFIG_RETRIES_MAX,
});
