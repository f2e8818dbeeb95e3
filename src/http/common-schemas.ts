import { Type } from '@sinclair/typebox';
import { AMOUNT_MAX_CENTS } from '../policies/ledger_v1.js';
import { PageQuery } from './pagination.js';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const RowVersion = Type.Integer({
  minimum: 1,
  maximum: 2_147_483_647,
  description: 'The version you read; a stale one gets 409',
});
export const AmountCents = Type.Integer({
  minimum: 1,
  maximum: AMOUNT_MAX_CENTS,
  description: 'Amount in centavos: a positive integer, at most R$ 1 bilhão',
  examples: [123456],
});
export const SignedCents = Type.Integer({ minimum: -AMOUNT_MAX_CENTS, maximum: AMOUNT_MAX_CENTS });
export const BalanceCents = Type.Integer({ description: 'Balance in centavos (negative: owed)' });
export const IsoDate = Type.String({ format: 'date', description: 'Calendar date, YYYY-MM-DD', examples: ['2026-11-29'] });
export const Timestamp = Type.String({ format: 'date-time' });
export const Description = Type.String({ minLength: 1, maxLength: 200 });
export const Notes = Type.String({ maxLength: 2000 });
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Makes the request safe to retry: same key and body replay the first answer',
    }),
  ),
});

export const PageQueryObject = Type.Object({ ...PageQuery }, { additionalProperties: false });

/**
 * ledger_v2: the person confirmed recording an income or expense even if it takes the
 * account below its floor (overdraft, card limit, or zero). Absent or false: the floor holds.
 */
export const AllowNegative = Type.Boolean({
  description:
    'Record this even if it takes the account below its floor (ledger_v2); without it such a movement is 422 insufficient_funds',
});
