import { calendarDay } from '../../lib/calendar.js';
import { invalidField } from '../../lib/errors.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { recordBillPayment } from '../cards/cards.service.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { balanceIn, occurredOn, postedTransactionResponse, postTransfer, sourceOf } from '../ledger/index.js';
import type { CreateTransferInput } from './transfers.schemas.js';

export const TRANSFER_DEFAULT_DESCRIPTION = 'Transferência';

export class TransfersService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Moves money between two of the person's own accounts under transfers_v1. */
  async create(context: RequestContext, input: CreateTransferInput): Promise<WriteResult<unknown>> {
    if (input.from_account_id === input.to_account_id) {
      throw invalidField('body/to_account_id', 'must differ from from_account_id', 'same_account');
    }
    return idempotentWrite(this.deps, context, async (client, now) => {
      const posted = await postTransfer(client, sourceOf(context, this.deps.clock.now()), {
        fromAccountId: input.from_account_id,
        toAccountId: input.to_account_id,
        amountCents: input.amount_cents,
        description: input.description?.trim() || TRANSFER_DEFAULT_DESCRIPTION,
        notes: input.notes ?? null,
        occurredOn: occurredOn(input.occurred_on, now),
      });
      if (input.bill_id !== undefined) {
        // Under the transfer's locks, so the card's bills are as this payment meets them.
        await recordBillPayment(client, {
          userId: context.userId,
          accountId: input.to_account_id,
          transactionId: posted.transaction.id,
          billId: input.bill_id,
          today: calendarDay(now),
        });
      }
      return {
        status: 201,
        body: {
          transaction: postedTransactionResponse(posted),
          from_account: balanceIn(posted, input.from_account_id),
          to_account: balanceIn(posted, input.to_account_id),
        },
      };
    });
  }
}
