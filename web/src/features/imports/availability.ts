import { featureAvailability, useFeatureDisabled } from '../../lib/featureAvailability';

/** Statement import, off with ENABLE_IMPORTS=false. */
const imports = featureAvailability('imports');
export const noteImportsError = imports.noteError;
export function useImportsDisabled(): boolean {
  return useFeatureDisabled(imports);
}
