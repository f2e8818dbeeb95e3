import type { RequestContext, ServiceDeps } from '../../http/context.js';
import { DomainError } from '../../http/errors.js';
import { runIdempotentWrite, type WriteResult } from '../../http/idempotency.js';
import { TRANSFERS_POLICY_VERSION, transferLegs } from '../../policies/transfers_v1.js';
import type { AccountRow } from '../ledger/ledger.repository.js';
import { lockAndLoadAccounts } from '../ledger/ledger.repository.js';
import { post } from '../ledger/ledger.service.js';
import type { CreateTransferInput } from '../transactions/transactions.schemas.js';
import { balanceOf, occurredOn, postedTransactionResponse, usableAccount } from '../transactions/transactions.service.js';

export const TRANSFER_DEFAULT_DESCRIPTION = 'Transferência';

export class TransfersService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Moves money between two of the person's own accounts under transfers_v1. */
  async create(context: RequestContext, input: CreateTransferInput): Promise<WriteResult<unknown>> {
    if (input.from_account_id === input.to_account_id) {
      throw new DomainError('validation_failed', 400, 'The request has invalid fields.', {
        errors: [{ field: 'body/to_account_id', message: 'must differ from from_account_id', code: 'same_account' }],
      });
    }
    return runIdempotentWrite({
      ...this.deps,
      userId: context.userId,
      idempotency: context.idempotency,
      respond: context.respond,
      work: async (client, now) => {
        const day = occurredOn(input.occurred_on, now);
        const accounts = await lockAndLoadAccounts(client, context.userId, [input.from_account_id, input.to_account_id]);
        usableAccount(accounts, input.from_account_id);
        usableAccount(accounts, input.to_account_id);
        const options = {
          fromAccountId: input.from_account_id,
          toAccountId: input.to_account_id,
          amountCents: input.amount_cents,
        };
        const posted = await post(client, accounts, {
          userId: context.userId,
          kind: 'transfer',
          accountId: input.from_account_id,
          counterpartyAccountId: input.to_account_id,
          amountCents: input.amount_cents,
          legs: transferLegs(options),
          description: input.description?.trim() || TRANSFER_DEFAULT_DESCRIPTION,
          categoryId: null,
          notes: input.notes ?? null,
          occurredOn: day,
          policyVersion: TRANSFERS_POLICY_VERSION,
          reversesTransactionId: null,
          idempotencyKey: context.idempotency?.key ?? null,
          requestId: context.requestId,
          postedAt: this.deps.clock.now(),
        });
        return {
          status: 201,
          body: {
            transaction: postedTransactionResponse(posted),
            from_account: balanceOf(posted.accounts.get(input.from_account_id) as AccountRow),
            to_account: balanceOf(posted.accounts.get(input.to_account_id) as AccountRow),
          },
        };
      },
    });
  }
}
