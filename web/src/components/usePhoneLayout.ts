import { useMediaQuery } from '@mantine/hooks';

/** Matches Mantine's `xs` breakpoint: below it, lists become cards and dialogs take the whole screen. */
export const PHONE_MEDIA_QUERY = '(max-width: 36em)';

export function usePhoneLayout(): boolean {
  // Read synchronously: this is a browser-only app, and a first render in the wrong layout flickers.
  return useMediaQuery(PHONE_MEDIA_QUERY, undefined, { getInitialValueInEffect: false });
}
