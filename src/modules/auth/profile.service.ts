import { verify } from '@node-rs/argon2';
import { assert } from '../../lib/assert.js';
import type { Clock } from '../../lib/clock.js';
import { DomainError, type FieldError, invalidFields } from '../../lib/errors.js';
import { EMAIL_LENGTH_MAX, type UserResponse } from './auth.schemas.js';
import {
  type AuthenticatedUser,
  type AuthService,
  hashWithArgon2,
  normaliseEmail,
  PASSWORD_PROBLEM_MESSAGES,
  toUserResponse,
} from './auth.service.js';
import { passwordProblem } from './password-policy.js';
import type { ProfileRepository } from './profile.repository.js';
import type { ChangeEmailInput, ChangePasswordInput, PasswordChangedResponse, UpdateProfileInput } from './profile.schemas.js';

export interface ProfileServiceOptions {
  repository: ProfileRepository;
  auth: AuthService;
  clock: Clock;
  /** Argon2id by default; the same hashing registration uses. */
  hashPassword?: (password: string) => Promise<string>;
}

function wrongPassword(): DomainError {
  return new DomainError('wrong_password', 403, 'The password is incorrect.');
}

function emailTaken(): DomainError {
  // The same code and words as registration, so the app shows one message for both.
  return new DomainError('email_taken', 409, 'An account with this e-mail already exists.');
}

/**
 * The signed-in person's own profile: name and language, e-mail (password re-entered) and
 * password (current one re-entered). Every change is to the caller's own row only; the
 * routes rate-limit the two that check a password, like sign-in.
 */
export class ProfileService {
  private readonly repository: ProfileRepository;
  private readonly auth: AuthService;
  private readonly clock: Clock;
  private readonly hashPassword: (password: string) => Promise<string>;

  constructor(options: ProfileServiceOptions) {
    this.repository = options.repository;
    this.auth = options.auth;
    this.clock = options.clock;
    this.hashPassword = options.hashPassword ?? hashWithArgon2;
  }

  /** Name and/or language; with row_version, a stale one gets 409 with the current person. */
  async update(user: AuthenticatedUser, input: UpdateProfileInput): Promise<UserResponse> {
    const name = input.name?.trim();
    const errors: FieldError[] = [];
    if (name === undefined && input.language === undefined) {
      errors.push({ field: 'body', message: 'must have name or language', code: 'required' });
    }
    if (name !== undefined && name.length === 0) errors.push({ field: 'body/name', message: 'must not be blank', code: 'blank' });
    if (errors.length > 0) throw invalidFields(errors);
    const updated = await this.repository.updateProfile({
      userId: user.id,
      name,
      language: input.language,
      rowVersion: input.row_version,
    });
    if (updated === undefined) {
      const current = await this.repository.findProfile(user.id);
      assert(current !== undefined, 'an authenticated person has a row');
      throw new DomainError('row_version_conflict', 409, 'Your profile changed since you read it.', {
        current: toUserResponse(current),
      });
    }
    this.auth.forgetCachedUser(user.id);
    return toUserResponse(updated);
  }

  /**
   * A new e-mail, normalised as at registration, after the current password is verified.
   * Sessions stay open: whoever can change the e-mail knows the password already.
   */
  async changeEmail(user: AuthenticatedUser, input: ChangeEmailInput): Promise<UserResponse> {
    const email = normaliseEmail(input.email);
    if (email.length > EMAIL_LENGTH_MAX) {
      throw invalidFields([
        { field: 'body/email', message: `must be at most ${EMAIL_LENGTH_MAX} characters`, code: 'maxLength' },
      ]);
    }
    const passwordHash = await this.verifiedHash(user, input.password);
    if (passwordHash === undefined) throw wrongPassword();
    const updated = await this.repository.updateEmail({ userId: user.id, email, passwordHash });
    if (updated === 'taken') throw emailTaken();
    // The password changed between the check and the update: the one given is no longer it.
    if (updated === undefined) throw wrongPassword();
    this.auth.forgetCachedUser(user.id);
    return toUserResponse(updated);
  }

  /**
   * A new password under the registration policy, after the current one is verified. Every
   * other session of the person ends (in every API process: the database announces each
   * revoked session), this one stays. A retry of a change that already happened (its
   * answer lost) finds the "new" password already in place and answers success again,
   * ending nothing more, instead of "wrong password".
   */
  async changePassword(user: AuthenticatedUser, input: ChangePasswordInput): Promise<PasswordChangedResponse> {
    const problem = passwordProblem(input.new_password);
    if (problem) {
      throw invalidFields([{ field: 'body/new_password', message: PASSWORD_PROBLEM_MESSAGES[problem], code: problem }]);
    }
    const previousHash = await this.verifiedHash(user, input.current_password);
    if (previousHash === undefined) {
      if ((await this.verifiedHash(user, input.new_password)) !== undefined) return { other_sessions_ended: 0 };
      throw wrongPassword();
    }
    const ended = await this.repository.replacePassword({
      userId: user.id,
      previousHash,
      nextHash: await this.hashPassword(input.new_password),
      keepSessionId: user.sessionId,
      now: this.clock.now(),
    });
    if (ended === undefined) throw wrongPassword();
    this.auth.forgetCachedUser(user.id);
    return { other_sessions_ended: ended };
  }

  /** The stored hash when `password` is the person's current password, else undefined. */
  private async verifiedHash(user: AuthenticatedUser, password: string): Promise<string | undefined> {
    const stored = await this.repository.findPasswordHash(user.id);
    assert(stored !== undefined, 'an authenticated person has a row');
    return (await verify(stored, password)) ? stored : undefined;
  }
}
