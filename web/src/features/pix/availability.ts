import { featureAvailability, useFeatureDisabled } from '../../lib/featureAvailability';

/** Pix tools, off with ENABLE_PIX=false. */
const pix = featureAvailability('pix');
export const notePixError = pix.noteError;
export function usePixDisabled(): boolean {
  return useFeatureDisabled(pix);
}
