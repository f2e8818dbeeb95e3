import type { Features } from '../../features.js';
import type { ReadOnlyMode } from '../../http/read-only.js';
import type { PublicConfig } from './config.schemas.js';

/**
 * What any visitor may know of this server's settings: which features are on and whether
 * writes are refused right now. Nothing personal and nothing secret, so no session is asked.
 */
export function publicConfig(options: { features: Features; readOnly: ReadOnlyMode }): PublicConfig {
  return { features: { ...options.features }, read_only: options.readOnly.active() };
}
