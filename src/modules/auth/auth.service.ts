import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '../../http/errors.js';
import type { Clock } from '../../lib/clock.js';
import { hashToken, newId, newSessionToken } from '../../lib/ids.js';
import type { AuthRepository, SessionUser, UserRow } from './auth.repository.js';
import type { AuthResult, LoginInput, RegisterInput, UserResponse } from './auth.schemas.js';
import type { SessionCache } from './session-cache.js';

/** Argon2id with the OWASP-recommended minimum cost (19 MiB, 2 passes, 1 lane). */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  sessionId: string;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUserResponse(user: { id: string; email: string; name: string; createdAt: Date }): UserResponse {
  return { id: user.id, email: user.email, name: user.name, created_at: user.createdAt.toISOString() };
}

export class AuthService {
  /**
   * A real hash of a random password, verified when the e-mail is unknown, so a
   * wrong e-mail costs the same time as a wrong password and reveals nothing.
   */
  private readonly decoyHash: Promise<string>;

  constructor(
    private readonly repository: AuthRepository,
    private readonly clock: Clock,
    private readonly sessionTtlHours: number,
    private readonly cache?: SessionCache,
    private readonly onCacheLookup: (hit: boolean) => void = () => {},
  ) {
    this.decoyHash = hash(newSessionToken(), ARGON2_OPTIONS);
  }

  async register(input: RegisterInput): Promise<AuthResult> {
    const name = input.name.trim();
    if (name.length === 0) {
      throw new DomainError('validation_failed', 400, 'The request has invalid fields.', {
        errors: [{ field: 'body/name', message: 'must not be blank', code: 'blank' }],
      });
    }
    const user: UserRow = {
      id: newId(),
      email: normaliseEmail(input.email),
      name,
      passwordHash: await hash(input.password, ARGON2_OPTIONS),
      createdAt: this.clock.now(),
    };
    const inserted = await this.repository.insertUser(user);
    if (!inserted) throw new DomainError('email_taken', 409, 'An account with this e-mail already exists.');
    return this.openSession(user);
  }

  async login(input: LoginInput): Promise<AuthResult> {
    const user = await this.repository.findUserByEmail(normaliseEmail(input.email));
    const passwordMatches = await verify(user?.passwordHash ?? (await this.decoyHash), input.password);
    if (!user || !passwordMatches) throw new DomainError('invalid_credentials', 401, 'E-mail or password is incorrect.');
    return this.openSession(user);
  }

  /** Who holds this token: from the session cache when it is on, else from the database. */
  async authenticate(token: string): Promise<AuthenticatedUser | undefined> {
    const tokenHash = hashToken(token);
    const cached = this.cache?.get(tokenHash);
    if (this.cache?.isEnabled) this.onCacheLookup(cached !== undefined);
    if (cached) return cached;
    const epoch = this.cache?.epoch ?? 0;
    const row: SessionUser | undefined = await this.repository.findLiveSession(tokenHash, this.clock.now());
    if (!row) return undefined;
    const user = { id: row.userId, email: row.email, name: row.name, createdAt: row.createdAt, sessionId: row.sessionId };
    this.cache?.put(tokenHash, user, row.expiresAt, epoch);
    return user;
  }

  /** Revokes the session; this process forgets it at once, the others when the database tells them. */
  async logout(user: AuthenticatedUser): Promise<void> {
    await this.repository.revokeSession({ sessionId: user.sessionId, userId: user.id, now: this.clock.now() });
    this.cache?.evictSession(user.sessionId);
  }

  private async openSession(user: UserRow): Promise<AuthResult> {
    const token = newSessionToken();
    const createdAt = this.clock.now();
    const expiresAt = new Date(createdAt.getTime() + this.sessionTtlHours * 3_600_000);
    await this.repository.insertSession({ id: newId(), userId: user.id, tokenHash: hashToken(token), createdAt, expiresAt });
    return { user: toUserResponse(user), token, expires_at: expiresAt.toISOString() };
  }
}
