import type { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import { PASSWORD_LENGTH_MAX } from '../auth/auth.schemas.js';

export const ExportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('zip')], {
        description: 'json (default): one JSON document; zip: one CSV per table, UTF-8 with BOM',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExportQueryInput = Static<typeof ExportQuery>;

export const DeleteAccountBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH_MAX, description: 'The current password, re-entered' }) },
  { additionalProperties: false },
);
export type DeleteAccountInput = Static<typeof DeleteAccountBody>;

/** The download itself: a stream, which Fastify sends as it is (no serialiser runs on it). */
export const ExportDownload = Type.Unsafe<Readable>({
  type: 'string',
  format: 'binary',
  description:
    'An attachment (Content-Disposition) named vai-de-pix-dados-YYYY-MM-DD.json or .zip: application/json, or application/zip of CSVs',
});
