import { hash, verify } from '@node-rs/argon2';
import type pg from 'pg';
import { pgCode, SqlState } from '../../db/sqlstate.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError, type FieldError, invalidFields } from '../../lib/errors.js';
import { hashToken, newId, newSessionToken } from '../../lib/ids.js';
import type { ConsentDocument } from '../privacy/consents.js';
import type { AuthRepository, SessionUser, UserLanguage, UserRow } from './auth.repository.js';
import { type AuthResult, EMAIL_LENGTH_MAX, type LoginInput, type RegisterInput, type UserResponse } from './auth.schemas.js';
import { loadCommonPasswords, type PasswordProblem, passwordProblem } from './password-policy.js';
import type { SessionCache } from './session-cache.js';

/** Argon2id with the OWASP-recommended minimum cost (19 MiB, 2 passes, 1 lane). */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const HOUR_MS = 3_600_000;
/**
 * A session's last_seen_at moves forward at most this often, so an authenticated request
 * writes nothing most of the time. The idle timeout is therefore honoured to within this
 * interval: a session ends between SESSION_IDLE_HOURS minus ten minutes and SESSION_IDLE_HOURS
 * after its last use.
 */
export const SESSION_TOUCH_INTERVAL_MS = 10 * 60_000;

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  password_blank: 'must not be only whitespace',
  password_common: 'is too common; choose a password that is not on lists of leaked passwords',
};

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  language: UserLanguage | null;
  rowVersion: number;
  createdAt: Date;
  sessionId: string;
}

/** Who is signing in, as the HTTP layer saw it: the address goes to the access log. */
export interface ClientInfo {
  ip?: string | undefined;
}

export interface AuthServiceOptions {
  repository: AuthRepository;
  clock: Clock;
  /** A session ends this long after it was opened, however much it is used. */
  sessionTtlHours: number;
  /** A session ends this long after its last use. */
  sessionIdleHours: number;
  cache?: SessionCache | undefined;
  onCacheLookup?: (hit: boolean) => void;
  /** Argon2id by default; tests count the calls to prove both register paths hash. */
  hashPassword?: (password: string) => Promise<string>;
  /** The consent log (src/modules/privacy/consents.service.ts); without it answers carry no pending_consents. */
  consents?: AuthConsents | undefined;
}

/** What signing up and signing in need from the consent log. */
export interface AuthConsents {
  /** The documents the form's versions accept; throws 422 for a version that is not current. */
  registrationDocuments(input: RegisterInput): ConsentDocument[];
  recordAtRegistration(
    client: pg.PoolClient,
    options: { userId: string; documents: ConsentDocument[]; now: Date },
  ): Promise<void>;
  pending(userId: string): Promise<ConsentDocument[]>;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** What the API says about a person: a row, or the authenticated user of a request. */
export interface UserFields {
  id: string;
  email: string;
  name: string;
  language: UserLanguage | null;
  rowVersion: number;
  createdAt: Date;
}

export function toUserResponse(user: UserFields): UserResponse {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    language: user.language,
    row_version: user.rowVersion,
    created_at: user.createdAt.toISOString(),
  };
}

/** The one way a password is hashed, for registration and for a password change alike. */
export function hashWithArgon2(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export class AuthService {
  private readonly repository: AuthRepository;
  private readonly clock: Clock;
  private readonly cache: SessionCache | undefined;
  private readonly onCacheLookup: (hit: boolean) => void;
  private readonly hashPassword: (password: string) => Promise<string>;
  private readonly consents: AuthConsents | undefined;
  private readonly ttlMs: number;
  private readonly idleMs: number;
  /**
   * A real hash of a random password, verified when the e-mail is unknown, so a
   * wrong e-mail costs the same time as a wrong password and reveals nothing.
   */
  private readonly decoyHash: Promise<string>;

  constructor(options: AuthServiceOptions) {
    this.repository = options.repository;
    this.clock = options.clock;
    this.cache = options.cache;
    this.onCacheLookup = options.onCacheLookup ?? (() => {});
    this.hashPassword = options.hashPassword ?? hashWithArgon2;
    this.consents = options.consents;
    this.ttlMs = options.sessionTtlHours * HOUR_MS;
    this.idleMs = options.sessionIdleHours * HOUR_MS;
    this.decoyHash = hashWithArgon2(newSessionToken());
    // Read the common-password list now, so a build that lacks it fails at start, not with a
    // 500 on the first registration.
    loadCommonPasswords();
  }

  /**
   * Opens an account. A taken e-mail answers 409 email_taken (see docs/THREAT-MODEL.md for
   * why it is said), but only after the password has been hashed exactly as for a new
   * account, so the answer costs the same work either way.
   */
  async register(input: RegisterInput, client: ClientInfo = {}): Promise<AuthResult> {
    const name = input.name.trim();
    const email = normaliseEmail(input.email);
    const errors: FieldError[] = [];
    // The schema leaves room for surrounding spaces; what is stored must fit the column's
    // check, or the insert would fail as a 500 carrying the row in the driver's detail.
    if (email.length > EMAIL_LENGTH_MAX) {
      errors.push({ field: 'body/email', message: `must be at most ${EMAIL_LENGTH_MAX} characters`, code: 'maxLength' });
    }
    if (name.length === 0) errors.push({ field: 'body/name', message: 'must not be blank', code: 'blank' });
    const problem = passwordProblem(input.password);
    if (problem) errors.push({ field: 'body/password', message: PASSWORD_PROBLEM_MESSAGES[problem], code: problem });
    if (errors.length > 0) throw invalidFields(errors);
    // Before the hash and the insert: a stale version writes nothing, whoever the e-mail belongs to.
    const documents = this.consents?.registrationDocuments(input) ?? [];
    const user: UserRow = {
      id: newId(),
      email,
      name,
      passwordHash: await this.hashPassword(input.password),
      language: null,
      rowVersion: 1,
      createdAt: this.clock.now(),
    };
    const consents = this.consents;
    const inserted = await this.repository.insertUser(
      user,
      consents && documents.length > 0
        ? (client) => consents.recordAtRegistration(client, { userId: user.id, documents, now: user.createdAt })
        : undefined,
    );
    if (!inserted) throw new DomainError('email_taken', 409, 'An account with this e-mail already exists.');
    return this.withPendingConsents(await this.openSession(user, client));
  }

  /** The answer's user with what is still to accept, so the app asks before going on. */
  private async withPendingConsents(result: AuthResult): Promise<AuthResult> {
    if (!this.consents) return result;
    return { ...result, user: { ...result.user, pending_consents: await this.consents.pending(result.user.id) } };
  }

  async login(input: LoginInput, client: ClientInfo = {}): Promise<AuthResult> {
    const user = await this.repository.findUserByEmail(normaliseEmail(input.email));
    const passwordMatches = await verify(user?.passwordHash ?? (await this.decoyHash), input.password);
    if (!user || !passwordMatches) throw new DomainError('invalid_credentials', 401, 'E-mail or password is incorrect.');
    return this.withPendingConsents(await this.openSession(user, client));
  }

  /**
   * Who holds this token: from the session cache when it is on, else from the database,
   * which also moves the session's last_seen_at forward when it is older than the touch
   * interval. A cached copy is never served past the session's expiry or idle deadline.
   */
  async authenticate(token: string): Promise<AuthenticatedUser | undefined> {
    const tokenHash = hashToken(token);
    const cached = this.cache?.get(tokenHash);
    if (this.cache?.isEnabled) this.onCacheLookup(cached !== undefined);
    if (cached) return cached;
    const epoch = this.cache?.epoch ?? 0;
    const now = this.clock.now();
    const row: SessionUser | undefined = await this.repository.findLiveSession({
      tokenHash,
      now,
      idleSince: new Date(now.getTime() - this.idleMs),
    });
    if (!row) return undefined;
    let lastSeenMs = row.lastSeenAt.getTime();
    if (now.getTime() - lastSeenMs >= SESSION_TOUCH_INTERVAL_MS) {
      const touched = await this.touchUnlessReadOnly(row.sessionId, now);
      if (touched) lastSeenMs = now.getTime();
    }
    const user: AuthenticatedUser = {
      id: row.userId,
      email: row.email,
      name: row.name,
      language: row.language,
      rowVersion: row.rowVersion,
      createdAt: row.createdAt,
      sessionId: row.sessionId,
    };
    const usableUntil = new Date(Math.min(row.expiresAt.getTime(), lastSeenMs + this.idleMs));
    this.cache?.put(tokenHash, user, usableUntil, epoch);
    return user;
  }

  /**
   * Moves last_seen_at forward; false when the database is read-only. The touch is incidental
   * to a read: a read-only database must not turn every authenticated request into a 503, so
   * the session is served untouched (its idle deadline then stays where it was).
   */
  private async touchUnlessReadOnly(sessionId: string, now: Date): Promise<boolean> {
    try {
      await this.repository.touchSession({
        sessionId,
        now,
        touchedBefore: new Date(now.getTime() - SESSION_TOUCH_INTERVAL_MS),
      });
      return true;
    } catch (error) {
      if (pgCode(error) === SqlState.readOnlySqlTransaction) return false;
      throw error;
    }
  }

  /** Revokes the session; this process forgets it at once, the others when the database tells them. */
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.repository.revokeSession({ sessionId: user.sessionId, userId: user.id, now: this.clock.now() });
    this.cache?.evictSession(user.sessionId);
  }

  /** Revokes every session of the person, the caller's included ("sign out everywhere"). */
  async logoutEverywhere(user: AuthenticatedUser): Promise<number> {
    const revoked = await this.repository.revokeAllSessions({ userId: user.id, now: this.clock.now() });
    this.cache?.evictUser(user.id);
    return revoked;
  }

  /**
   * Drops this process's cached copies of the person's sessions after their row or their
   * sessions changed. The database announces the change to every process at commit; this
   * makes the process that made it see it on the very next request.
   */
  forgetCachedUser(userId: string): void {
    this.cache?.evictUser(userId);
  }

  private async openSession(user: UserRow, client: ClientInfo): Promise<AuthResult> {
    const token = newSessionToken();
    const createdAt = this.clock.now();
    const expiresAt = new Date(createdAt.getTime() + this.ttlMs);
    const opened = await this.repository.insertSession({
      id: newId(),
      userId: user.id,
      tokenHash: hashToken(token),
      createdAt,
      expiresAt,
      ip: client.ip,
    });
    // The account was deleted between the password check and now: as if it never existed.
    if (!opened) throw new DomainError('invalid_credentials', 401, 'E-mail or password is incorrect.');
    return { user: toUserResponse(user), token, expires_at: expiresAt.toISOString() };
  }
}
