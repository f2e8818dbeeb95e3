import type { Clock } from '../../lib/clock.js';
import { hashToken, newSessionToken } from '../../lib/ids.js';
import type { DevicesRepository } from './devices.repository.js';

/** How long a browser stays "known" after its last successful sign-in. */
export const DEVICE_TTL_DAYS = 365;
/** Devices remembered per person; signing in on one more forgets the oldest. */
export const DEVICES_PER_USER_MAX = 20;
/** Device tokens are 43 characters; a longer cookie is not ours and is not looked up. */
const DEVICE_TOKEN_LENGTH_MAX = 128;
const DAY_MS = 86_400_000;

export interface RememberedDevice {
  token: string;
  expiresAt: Date;
}

/**
 * Browsers that have signed in to an account before, so that strangers who use up an
 * account's per-e-mail sign-in attempts, or the attempts of an address they share with
 * the owner, do not lock the owner out: the owner's browser presents its device token
 * and is let in under its own, separate limit.
 */
export class KnownDevices {
  constructor(
    private readonly repository: DevicesRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * After a successful sign-in: keeps the device token the browser presented if it is
   * already this person's (and extends it), else issues a new one.
   */
  async remember(userId: string, presented: string | undefined): Promise<RememberedDevice> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + DEVICE_TTL_DAYS * DAY_MS);
    if (isPlausibleToken(presented)) {
      const extended = await this.repository.extend({ tokenHash: hashToken(presented), userId, now, expiresAt });
      if (extended) return { token: presented, expiresAt };
    }
    const token = newSessionToken();
    await this.repository.insert({
      tokenHash: hashToken(token),
      userId,
      createdAt: now,
      expiresAt,
      devicesMax: DEVICES_PER_USER_MAX,
    });
    return { token, expiresAt };
  }

  /**
   * "Sign out everywhere" also forgets every browser: a stolen or lost device must not keep
   * its pass past the per-e-mail limit.
   */
  async forgetAll(userId: string): Promise<void> {
    await this.repository.deleteForUser(userId);
  }

  /**
   * The (normalised) e-mail of the account this device token signed in to, or undefined
   * when the token is not a live device's.
   */
  async accountOf(token: string): Promise<string | undefined> {
    if (!isPlausibleToken(token)) return undefined;
    return this.repository.accountEmailOf({ tokenHash: hashToken(token), now: this.clock.now() });
  }
}

function isPlausibleToken(token: string | undefined): token is string {
  return token !== undefined && token.length > 0 && token.length <= DEVICE_TOKEN_LENGTH_MAX;
}
