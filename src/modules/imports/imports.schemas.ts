import { type Static, Type } from '@sinclair/typebox';
import { IsoDate, Nullable, Timestamp, Uuid } from '../../http/common-schemas.js';
import { PageQuery } from '../../http/pagination.js';
import { AMOUNT_MAX_CENTS } from '../../policies/ledger_v1.js';
import { AccountBalance } from '../transactions/transactions.schemas.js';
import { DESCRIPTION_LENGTH_MAX, IMPORT_FILE_BYTES_MAX } from './statement.js';

/** A file name as the browser sent it is kept trimmed and at most this long (it is only shown). */
export const FILE_NAME_LENGTH_MAX = 255;
/** A preset's name (CSV_PRESETS keys are short words such as "nubank_conta"). */
export const PRESET_LENGTH_MAX = 40;
/** The mapping field is JSON text of a CsvMapping: a dozen small members. */
export const MAPPING_TEXT_LENGTH_MAX = 2_000;
/** A rule's text, normalised; "uber" or "posto shell" are a few letters. */
export const RULE_PATTERN_LENGTH_MAX = 100;
/** Rules one person may keep: each preview line is matched against all of them. */
export const RULES_PER_USER_MAX = 500;
/**
 * Per-line category choices one confirm may carry. A screen sends only the lines the person
 * changed; the bound keeps the body inside the JSON guard's JSON_VALUES_MAX (10,000 values:
 * about three per choice) and BODY_LIMIT_BYTES.
 */
export const OVERRIDES_MAX = 3_000;

export const ImportStatus = Type.Union(
  [Type.Literal('preview'), Type.Literal('posted'), Type.Literal('undone'), Type.Literal('expired')],
  { description: 'preview: read, nothing posted; posted: confirmed; undone: every posting reversed; expired: never confirmed' },
);
export const StatementFormat = Type.Union([Type.Literal('ofx'), Type.Literal('csv')]);

export const ImportLine = Type.Object(
  {
    position: Type.Integer({ minimum: 1, description: "Order of the movement in the file (1, 2, …): the line's key" }),
    line: Type.Integer({
      minimum: 1,
      description: 'Line of the file where the movement starts (repeats when an OFX is written on one line)',
    }),
    occurred_on: IsoDate,
    description: Type.String({ maxLength: DESCRIPTION_LENGTH_MAX }),
    amount_cents: Type.Integer({ description: 'Signed centavos: negative leaves the account (an expense), positive enters it' }),
    category_id: Nullable(Uuid),
    duplicate_of: Nullable(Uuid),
    duplicate_kind: Nullable(
      Type.Union([Type.Literal('same'), Type.Literal('installment_of')], {
        description:
          'same: the movement is already in the books (duplicate_of); installment_of: on a credit card, the line is that installment of the purchase duplicate_of (null on a preview when an earlier line of the file makes the purchase), and posts nothing',
      }),
    ),
    installment: Nullable(
      Type.Object(
        { number: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 2 }) },
        {
          additionalProperties: false,
          description: 'The installment marker of the description ("Parcela 2/6"); on a credit card only',
        },
      ),
    ),
    purchase: Nullable(
      Type.Object(
        {
          first_number: Type.Integer({ minimum: 1, description: 'The installment this line is (k of "k/N")' }),
          count: Type.Integer({ minimum: 2, description: 'N of "k/N"' }),
          installments: Type.Integer({ minimum: 1, description: 'Installments the purchase holds: k..N' }),
          total_cents: Type.Integer({ minimum: 1, description: 'What the purchase posts: the sum of its installments' }),
          total_estimated: Type.Boolean({
            description: "The total is the line's amount times the installments; the issuer's may differ by a few centavos",
          }),
        },
        {
          additionalProperties: false,
          description: 'On a credit card, the line is (or, in a preview, becomes) a purchase in installments',
        },
      ),
    ),
    transaction_id: Nullable(Uuid),
  },
  { additionalProperties: false },
);

const importFields = {
  id: Uuid,
  account_id: Uuid,
  status: ImportStatus,
  format: StatementFormat,
  charset: Type.String(),
  preset: Nullable(Type.String({ description: 'The CSV preset the file was read with, or custom' })),
  file_name: Nullable(Type.String()),
  line_count: Type.Integer({ minimum: 0 }),
  new_count: Type.Integer({ minimum: 0, description: 'Lines a confirm would post (not duplicates)' }),
  duplicate_count: Type.Integer({
    minimum: 0,
    description: 'Lines already in the books (by the bank id, content hash or a matching movement)',
  }),
  skipped_count: Type.Integer({ minimum: 0, description: 'Balance lines and other rows that are not movements' }),
  posted_count: Type.Integer({ minimum: 0 }),
  created_at: Timestamp,
  posted_at: Nullable(Timestamp),
  undone_at: Nullable(Timestamp),
};

export const ImportSummary = Type.Object(importFields, { additionalProperties: false });
export type ImportSummaryResponse = Static<typeof ImportSummary>;

export const ImportPreview = Type.Object({ ...importFields, lines: Type.Array(ImportLine) }, { additionalProperties: false });
export type ImportPreviewResponse = Static<typeof ImportPreview>;

export const ImportPage = Type.Object(
  {
    items: Type.Array(ImportSummary),
    total: Type.Integer({ minimum: 0 }),
    skip: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export const ImportListQuery = Type.Object({ ...PageQuery, account_id: Type.Optional(Uuid) }, { additionalProperties: false });
export type ImportListInput = Static<typeof ImportListQuery>;

/** The multipart form of POST /api/imports, for the OpenAPI document (read by hand, see imports.routes). */
export const CreateImportForm = Type.Object(
  {
    file: Type.String({ format: 'binary', description: `The statement, OFX or CSV, at most ${IMPORT_FILE_BYTES_MAX} bytes` }),
    account_id: Uuid,
    format: Type.Optional(StatementFormat),
    preset: Type.Optional(Type.String({ minLength: 1, maxLength: PRESET_LENGTH_MAX })),
    mapping: Type.Optional(
      Type.String({ maxLength: MAPPING_TEXT_LENGTH_MAX, description: 'A CsvMapping as JSON text (see docs/IMPORTS.md)' }),
    ),
  },
  { additionalProperties: false },
);

const Column = Type.Integer({ minimum: 0, maximum: 200 });

/** A CSV column mapping as the client sends it (the same shape as statement.ts CsvMapping). */
export const CsvMappingSchema = Type.Object(
  {
    preset: Type.String({ minLength: 1, maxLength: PRESET_LENGTH_MAX }),
    delimiter: Type.Union([Type.Literal(';'), Type.Literal(','), Type.Literal('\t')]),
    skipRows: Type.Integer({ minimum: 0, maximum: 50 }),
    hasHeader: Type.Boolean(),
    dateColumn: Column,
    dateFormat: Type.Union([Type.Literal('dd/mm/yyyy'), Type.Literal('yyyy-mm-dd'), Type.Literal('dd/mm/yy')]),
    descriptionColumn: Column,
    amount: Type.Union([
      Type.Object({ kind: Type.Literal('signed'), column: Column }, { additionalProperties: false }),
      Type.Object(
        { kind: Type.Literal('debit_credit'), debitColumn: Column, creditColumn: Column },
        { additionalProperties: false },
      ),
    ]),
    decimal: Type.Union([Type.Literal('comma'), Type.Literal('dot'), Type.Literal('cents')]),
    invertSign: Type.Boolean(),
    fitidColumn: Type.Optional(Column),
    filter: Type.Optional(
      Type.Object({ column: Column, value: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    ),
    detailColumn: Type.Optional(Column),
    detailInstallment: Type.Optional(
      Type.Boolean({
        description: 'The detail column holds the installment (C6\'s "Parcela"): a bare "2/6" there is read as "Parcela 2/6"',
      }),
    ),
    signColumn: Type.Optional(
      Type.Object({ column: Column, debitValue: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    lines: Type.Optional(
      Type.Array(
        Type.Object(
          {
            position: Type.Optional(Type.Integer({ minimum: 1, description: 'The movement at this position' })),
            line: Type.Optional(
              Type.Integer({ minimum: 1, description: 'Every movement starting on this line (instead of position)' }),
            ),
            category_id: Type.Optional(Nullable(Uuid)),
            as_installments: Type.Optional(
              Type.Boolean({
                description:
                  'false: post the line as an ordinary movement, not as an installment or a purchase in installments (credit cards)',
              }),
            ),
            total_cents: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: AMOUNT_MAX_CENTS,
                description: "The whole amount of the installments a line's new purchase holds, instead of the estimate",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: OVERRIDES_MAX,
          description:
            'Choices made on the preview, by position (or line): a category (omitted keeps the guess) and, on a credit card, how an installment line is posted',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfirmInput = Static<typeof ConfirmBody>;

export const ImportConfirmed = Type.Object(
  {
    id: Uuid,
    status: Type.Literal('posted'),
    posted_count: Type.Integer({ minimum: 0 }),
    duplicate_count: Type.Integer({ minimum: 0, description: 'Lines not posted because they were already in the books' }),
    account: Type.Ref(AccountBalance),
  },
  { additionalProperties: false },
);

export const ImportUndone = Type.Object(
  {
    id: Uuid,
    status: Type.Literal('undone'),
    reversed_count: Type.Integer({ minimum: 0 }),
    account: Type.Ref(AccountBalance),
  },
  { additionalProperties: false },
);

export const ImportRule = Type.Object(
  { id: Uuid, pattern: Type.String(), category_id: Uuid, created_at: Timestamp },
  { additionalProperties: false },
);
export type ImportRuleResponse = Static<typeof ImportRule>;

export const ImportRulePage = Type.Object(
  {
    items: Type.Array(ImportRule),
    total: Type.Integer({ minimum: 0 }),
    skip: Type.Integer({ minimum: 0 }),
    limit: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export const CreateRuleBody = Type.Object(
  {
    pattern: Type.String({
      minLength: 1,
      maxLength: RULE_PATTERN_LENGTH_MAX,
      description: 'Text a description must contain (case, accents, digits and punctuation are ignored)',
    }),
    category_id: Uuid,
  },
  { additionalProperties: false },
);
export type CreateRuleInput = Static<typeof CreateRuleBody>;

export const RuleListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const PresetList = Type.Object(
  { items: Type.Array(Type.Object({ id: Type.String(), label: Type.String() }, { additionalProperties: false })) },
  { additionalProperties: false },
);
