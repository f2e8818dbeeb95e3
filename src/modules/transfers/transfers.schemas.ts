import { type Static, Type } from '@sinclair/typebox';
import { AmountCents, Description, IsoDate, Notes, Uuid } from '../../http/common-schemas.js';
import { AccountBalance, Transaction } from '../transactions/transactions.schemas.js';

export const CreateTransferBody = Type.Object(
  {
    from_account_id: Uuid,
    to_account_id: Uuid,
    amount_cents: AmountCents,
    description: Type.Optional(Description),
    occurred_on: Type.Optional(IsoDate),
    notes: Type.Optional(Notes),
    bill_id: Type.Optional({
      ...Uuid,
      description:
        "Paying a credit card's bill: the bill this payment pays (to_account_id is the card). Without it, " +
        'a payment into a card pays the last closed bill while it is not yet due, else the open one.',
    }),
  },
  { additionalProperties: false },
);
export type CreateTransferInput = Static<typeof CreateTransferBody>;

export const PostedTransfer = Type.Object(
  { transaction: Type.Ref(Transaction), from_account: Type.Ref(AccountBalance), to_account: Type.Ref(AccountBalance) },
  { $id: 'PostedTransfer', additionalProperties: false },
);
