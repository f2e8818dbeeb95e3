import type { Queryable } from '../../db/queryable.js';
import { DomainError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { RequestContext, ServiceDeps, WriteResult } from '../../lib/service-context.js';
import { idempotentWrite } from '../idempotency/idempotency.service.js';
import { type ConsentDocument, type ConsentVersions, pendingDocuments } from './consents.js';
import * as repository from './consents.repository.js';
import { type AcceptConsentInput, CONSENT_HISTORY_MAX, type ConsentStateResponse } from './consents.schemas.js';

/** The versions a registration form says the person saw, each optional for older clients. */
export interface RegistrationConsentInput {
  accepted_terms_version?: string | undefined;
  accepted_privacy_version?: string | undefined;
}

/**
 * A version other than the one in force: the person read a text that is no longer the
 * current one (a page open since before an update), so their acceptance cannot count.
 */
function versionNotCurrent(document: ConsentDocument, current: string): DomainError {
  return new DomainError(
    'consent_version_not_current',
    422,
    `This is not the current version of the ${document === 'terms' ? 'terms of use' : 'privacy policy'}; read the current one (${current}) and accept it.`,
    { document, current_version: current },
  );
}

/**
 * The consent log: which versions of the terms and the privacy policy each person
 * accepted. What counts as current comes from the constructor (CURRENT_CONSENT_VERSIONS
 * in the app; tests may pass others through buildApp's consentVersions).
 */
export class ConsentsService {
  constructor(
    private readonly deps: ServiceDeps,
    readonly versions: ConsentVersions,
  ) {}

  private async stateOn(client: Queryable, userId: string): Promise<ConsentStateResponse> {
    // One after the other: inside a write, client is a transaction's connection, which runs one query at a time.
    const rows = await repository.listConsents(client, { userId, limit: CONSENT_HISTORY_MAX });
    const pending = await this.pendingOn(client, userId);
    return {
      items: rows.map((row) => ({ document: row.document, version: row.version, accepted_at: row.accepted_at.toISOString() })),
      current: { ...this.versions },
      pending,
    };
  }

  private async pendingOn(client: Queryable, userId: string): Promise<ConsentDocument[]> {
    const accepted = await repository.acceptedAmong(client, { userId, ...this.versions });
    return pendingDocuments(this.versions, accepted);
  }

  /** GET /api/privacy/consents: the history, the versions in force, and what is still to accept. */
  state(userId: string): Promise<ConsentStateResponse> {
    return this.stateOn(this.deps.pool, userId);
  }

  /** What the person has not accepted in its current version; GET /api/me and the sign-in answers carry it. */
  pending(userId: string): Promise<ConsentDocument[]> {
    return this.pendingOn(this.deps.pool, userId);
  }

  /** POST /api/privacy/consents: records the acceptance of the current version of one document. */
  async accept(context: RequestContext, input: AcceptConsentInput): Promise<WriteResult<ConsentStateResponse>> {
    const current = this.versions[input.document];
    if (input.version !== current) throw versionNotCurrent(input.document, current);
    return idempotentWrite(this.deps, context, async (client, now) => {
      await repository.insertConsent(client, {
        id: newId(),
        user_id: context.userId,
        document: input.document,
        version: input.version,
        accepted_at: now,
      });
      return { status: 201, body: await this.stateOn(client, context.userId) };
    });
  }

  /**
   * The documents a registration accepts, checked before anything is written: a version
   * that is given must be the current one (else 422); one that is absent is simply not
   * accepted yet, and the app will ask for it after sign-in.
   */
  registrationDocuments(input: RegistrationConsentInput): ConsentDocument[] {
    const given: Array<[ConsentDocument, string | undefined]> = [
      ['terms', input.accepted_terms_version],
      ['privacy', input.accepted_privacy_version],
    ];
    const documents: ConsentDocument[] = [];
    for (const [document, version] of given) {
      if (version === undefined) continue;
      if (version !== this.versions[document]) throw versionNotCurrent(document, this.versions[document]);
      documents.push(document);
    }
    return documents;
  }

  /** Records a new person's acceptances inside the transaction that creates the person. */
  async recordAtRegistration(
    client: Queryable,
    options: { userId: string; documents: ConsentDocument[]; now: Date },
  ): Promise<void> {
    for (const document of options.documents) {
      await repository.insertConsent(client, {
        id: newId(),
        user_id: options.userId,
        document,
        version: this.versions[document],
        accepted_at: options.now,
      });
    }
  }
}
