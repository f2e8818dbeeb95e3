import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from '../../http/common-schemas.js';
import { CONSENT_VERSION_LENGTH_MAX } from './consents.js';

/** How many acceptances GET /api/privacy/consents returns, newest first: two per new version of the texts. */
export const CONSENT_HISTORY_MAX = 100;

export const ConsentDocumentSchema = Type.Union([Type.Literal('terms'), Type.Literal('privacy')], {
  description: 'terms: the terms of use; privacy: the privacy policy',
});

const Version = Type.String({
  minLength: 1,
  maxLength: CONSENT_VERSION_LENGTH_MAX,
  description: 'The date that names a version of the document',
  examples: ['2026-12-01'],
});

export const Consent = Type.Object(
  { document: ConsentDocumentSchema, version: Type.String(), accepted_at: Timestamp },
  { additionalProperties: false },
);

export const ConsentState = Type.Object(
  {
    items: Type.Array(Consent, { description: `The acceptances, newest first (at most ${CONSENT_HISTORY_MAX})` }),
    current: Type.Object(
      { terms: Type.String(), privacy: Type.String() },
      { additionalProperties: false, description: 'The version of each document in force' },
    ),
    pending: Type.Array(ConsentDocumentSchema, {
      description: 'The documents whose current version the person has not accepted yet',
    }),
  },
  { $id: 'ConsentState', additionalProperties: false },
);
export type ConsentStateResponse = Static<typeof ConsentState>;

export const AcceptConsentBody = Type.Object(
  { document: ConsentDocumentSchema, version: Version },
  { additionalProperties: false },
);
export type AcceptConsentInput = Static<typeof AcceptConsentBody>;
