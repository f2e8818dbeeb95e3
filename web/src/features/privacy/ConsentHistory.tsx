/** The versions of the terms and the privacy policy the person accepted, and when. */
export function ConsentHistory() {
  return null;
}
