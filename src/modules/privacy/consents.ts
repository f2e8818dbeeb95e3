/**
 * The documents a person accepts and their current versions. Pure, with no Node or DOM
 * import: the web app imports this file too, so the version a page shows and sends at
 * registration is the very constant the server checks against. The texts themselves live
 * in the web bundle (web/src/i18n/locales/legal.ts) built from the same commit, so a
 * version names a text: change the text, change its date here.
 */

export const CONSENT_DOCUMENTS = ['terms', 'privacy'] as const;
export type ConsentDocument = (typeof CONSENT_DOCUMENTS)[number];

/** The date the terms of use were last changed; a new date asks everyone again at their next sign-in. */
export const TERMS_VERSION = '2026-12-01';
/** The date the privacy policy was last changed; a new date asks everyone again at their next sign-in. */
export const PRIVACY_POLICY_VERSION = '2026-12-01';

/** The longest version the database accepts (consents_version_length). */
export const CONSENT_VERSION_LENGTH_MAX = 32;

/** The version of each document a person must have accepted to use the app. */
export type ConsentVersions = Record<ConsentDocument, string>;

export const CURRENT_CONSENT_VERSIONS: ConsentVersions = {
  terms: TERMS_VERSION,
  privacy: PRIVACY_POLICY_VERSION,
};

/**
 * The documents whose current version the person has not accepted, in CONSENT_DOCUMENTS
 * order. An acceptance of an older version does not count: a new text asks again.
 */
export function pendingDocuments(
  current: ConsentVersions,
  accepted: ReadonlyArray<{ document: ConsentDocument; version: string }>,
): ConsentDocument[] {
  return CONSENT_DOCUMENTS.filter(
    (document) => !accepted.some((row) => row.document === document && row.version === current[document]),
  );
}
