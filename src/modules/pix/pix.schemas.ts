import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AllowNegative, AmountCents, Description, IsoDate, Notes, Nullable, Timestamp, Uuid } from '../../http/common-schemas.js';
import { Page, PageQuery } from '../../http/pagination.js';
import { ProblemSchema } from '../../http/schemas.js';
import { AccountBalance, Transaction } from '../transactions/transactions.schemas.js';
import { TXID_LENGTH_MAX } from './brcode.js';
import { PIX_KEY_INPUT_LENGTH_MAX, PIX_KEY_TYPES } from './pix-keys.js';

/** A pasted Pix Copia e Cola longer than this is refused unread (a BR Code has at most 512). */
export const PAYLOAD_TEXT_LENGTH_MAX = 1_000;
/** What a person may type as the receiver name or city; it must still fit 25 / 15 once plain ASCII. */
export const MERCHANT_TEXT_LENGTH_MAX = 100;
/**
 * The description travels inside the BR Code's merchant account, which holds at most 99
 * characters with the GUI and the key: 62 is what is left beside the shortest key (a CPF).
 */
export const CHARGE_DESCRIPTION_LENGTH_MAX = 62;

function literals<T extends string>(values: readonly T[], options: { description?: string } = {}) {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );
}

export const PixKeyTypeSchema = literals(PIX_KEY_TYPES, {
  description: 'cpf, cnpj (numeric or alphanumeric), email, phone (+55…), evp (random key)',
});

export const Txid = Type.String({
  minLength: 1,
  maxLength: TXID_LENGTH_MAX,
  pattern: `^[A-Za-z0-9]{1,${TXID_LENGTH_MAX}}$`,
  description: 'Identifies the charge in bank statements: 1–25 letters and digits',
  examples: ['PEDIDO123'],
});

// Keys --------------------------------------------------------------------------------

export const PutPixKeyBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: PIX_KEY_INPUT_LENGTH_MAX, examples: ['529.982.247-25'] }),
    type: Type.Optional(PixKeyTypeSchema),
    merchant_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MERCHANT_TEXT_LENGTH_MAX,
        description: 'Receiver name payers see (at most 25 letters without accents); default: your name, shortened',
      }),
    ),
    merchant_city: Type.Optional(
      Type.String({ minLength: 1, maxLength: MERCHANT_TEXT_LENGTH_MAX, description: 'Receiver city (at most 15 letters)' }),
    ),
  },
  { additionalProperties: false },
);
export type PutPixKeyInput = Static<typeof PutPixKeyBody>;

export const PixKey = Type.Object(
  {
    account_id: Uuid,
    key: Type.String(),
    type: PixKeyTypeSchema,
    merchant_name: Type.String(),
    merchant_city: Type.String(),
    row_version: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'PixKey', additionalProperties: false },
);
export type PixKeyResponse = Static<typeof PixKey>;
export const PixKeyPage = Page(Type.Ref(PixKey), 'PixKeyPage');

export const ValidateKeyBody = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 2 * PIX_KEY_INPUT_LENGTH_MAX }), type: Type.Optional(PixKeyTypeSchema) },
  { additionalProperties: false },
);

export const PixKeyValidation = Type.Object(
  {
    valid: Type.Boolean(),
    type: Nullable(PixKeyTypeSchema),
    normalized: Nullable(Type.String({ description: 'The key as the Pix directory writes it' })),
    reason: Nullable(
      literals([
        'empty',
        'too_long',
        'unrecognized',
        'check_digits',
        'repeated_digits',
        'invalid_format',
        'invalid_area_code',
        'not_mobile',
      ]),
    ),
  },
  { $id: 'PixKeyValidation', additionalProperties: false },
);

// BR Codes ----------------------------------------------------------------------------

export const DecodeBody = Type.Object(
  { payload: Type.String({ minLength: 1, maxLength: PAYLOAD_TEXT_LENGTH_MAX, description: 'A Pix Copia e Cola' }) },
  { additionalProperties: false },
);

export const BrCode = Type.Object(
  {
    type: literals(['static', 'dynamic'] as const),
    point_of_initiation: Nullable(literals(['reusable', 'single_use'] as const)),
    key: Nullable(Type.String()),
    key_type: Nullable(PixKeyTypeSchema),
    url: Nullable(Type.String({ description: 'Dynamic codes: where the payment details are' })),
    description: Nullable(Type.String()),
    amount_cents: Nullable(Type.Integer({ minimum: 1 })),
    merchant_category_code: Type.String(),
    name: Type.String({ description: 'Receiver name (59)' }),
    city: Type.String({ description: 'Receiver city (60)' }),
    postal_code: Nullable(Type.String()),
    txid: Nullable(Type.String({ description: 'null when the code carries *** (none)' })),
    crc: Type.String(),
    unknown_fields: Type.Array(Type.Object({ id: Type.String(), value: Type.String() }, { additionalProperties: false })),
  },
  { $id: 'BrCode', additionalProperties: false },
);
export type BrCodeResponse = Static<typeof BrCode>;

export const PixDecoded = Type.Object(
  {
    code: Type.Ref(BrCode),
    suggestion: Type.Object(
      {
        description: Type.String({ description: 'Payee name and city, for the expense' }),
        category_id: Nullable(Uuid),
      },
      { additionalProperties: false, description: "To prefill the expense: category from the payee's past expenses" },
    ),
  },
  { $id: 'PixDecoded', additionalProperties: false },
);

const BrCodeErrorSchema = Type.Object(
  {
    code: literals([
      'empty',
      'too_long',
      'malformed',
      'length_mismatch',
      'duplicate_field',
      'missing_field',
      'invalid_value',
      'field_order',
      'crc_mismatch',
    ]),
    id: Type.Optional(Type.String({ description: 'The field: an ID or a path of IDs such as 26.01' })),
    message: Type.String(),
    expected: Type.Optional(Type.String()),
    found: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** problem+json for a code that is not a valid BR Code (422 invalid_br_code), with every error found. */
export const BrCodeProblem = Type.Object(
  { ...ProblemSchema.properties, br_code_errors: Type.Optional(Type.Array(BrCodeErrorSchema)) },
  { $id: 'BrCodeProblem', additionalProperties: true, description: 'RFC 9457 problem details with BR Code errors' },
);

// Charges -----------------------------------------------------------------------------

export const CreateChargeBody = Type.Object(
  {
    account_id: Uuid,
    amount_cents: Type.Optional(AmountCents),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: CHARGE_DESCRIPTION_LENGTH_MAX })),
    txid: Type.Optional(Txid),
  },
  { additionalProperties: false },
);
export type CreateChargeInput = Static<typeof CreateChargeBody>;

const chargeProperties = {
  id: Uuid,
  account_id: Uuid,
  key: Type.String(),
  key_type: PixKeyTypeSchema,
  merchant_name: Type.String(),
  merchant_city: Type.String(),
  amount_cents: Nullable(AmountCents),
  description: Nullable(Type.String()),
  txid: Type.String(),
  payload: Type.String({ description: 'The Pix Copia e Cola' }),
  status: literals(['pending', 'received'] as const),
  received_transaction_id: Nullable(Uuid),
  created_at: Timestamp,
} satisfies Record<string, TSchema>;

export const PixCharge = Type.Object(chargeProperties, { $id: 'PixCharge', additionalProperties: false });
export type PixChargeResponse = Static<typeof PixCharge>;
export const PixChargeWithQr = Type.Object(
  { ...chargeProperties, qr_svg: Type.String({ description: 'The QR code as an SVG document' }) },
  { $id: 'PixChargeWithQr', additionalProperties: false },
);
export type PixChargeWithQrResponse = Static<typeof PixChargeWithQr>;
export const PixChargePage = Page(Type.Ref(PixCharge), 'PixChargePage');

export const ChargeListQuery = Type.Object(
  { ...PageQuery, account_id: Type.Optional(Uuid), status: Type.Optional(literals(['pending', 'received'] as const)) },
  { additionalProperties: false },
);
export type ChargeListInput = Static<typeof ChargeListQuery>;

export const ReceiveChargeBody = Type.Object(
  {
    amount_cents: Type.Optional(AmountCents),
    description: Type.Optional(Description),
    category_id: Type.Optional(Nullable(Uuid)),
    occurred_on: Type.Optional(IsoDate),
  },
  { additionalProperties: false },
);
export type ReceiveChargeInput = Static<typeof ReceiveChargeBody>;

export const PixChargeReceived = Type.Object(
  { charge: Type.Ref(PixCharge), transaction: Type.Ref(Transaction), account: Type.Ref(AccountBalance) },
  { $id: 'PixChargeReceived', additionalProperties: false },
);

/** The answer to undoing a receipt: the charge (pending again), the reversal, the account's balance. */
export const PixReceiptUndone = Type.Object(
  { charge: Type.Ref(PixCharge), transaction: Type.Ref(Transaction), account: Type.Ref(AccountBalance) },
  { $id: 'PixReceiptUndone', additionalProperties: false },
);

// Paid Pix ----------------------------------------------------------------------------

export const RecordPaymentBody = Type.Object(
  {
    account_id: Uuid,
    payload: Type.String({ minLength: 1, maxLength: PAYLOAD_TEXT_LENGTH_MAX, description: 'The Pix Copia e Cola that was paid' }),
    amount_cents: Type.Optional(AmountCents),
    description: Type.Optional(Description),
    category_id: Type.Optional(Nullable(Uuid)),
    occurred_on: Type.Optional(IsoDate),
    notes: Type.Optional(Notes),
    allow_negative: Type.Optional(AllowNegative),
  },
  { additionalProperties: false },
);
export type RecordPaymentInput = Static<typeof RecordPaymentBody>;
