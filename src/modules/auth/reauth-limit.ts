import type { FastifyRequest } from 'fastify';
import { currentUser } from '../../http/auth.js';
import { enforcePerAddress, type RateLimiter } from '../../http/rate-limit.js';
import { type AuthRateLimits, deviceCookieName } from './auth.routes.js';
import type { KnownDevices } from './devices.js';

export interface ReauthenticationLimitOptions {
  limiter: RateLimiter;
  devices: KnownDevices;
  rateLimits: AuthRateLimits;
}

/**
 * Re-entering a password (changing it or the e-mail, deleting the account) is limited like
 * signing in, counted before the body is read: per client address, and the guesses count in
 * the e-mail's sign-in bucket, so a stolen session gets no more guesses here than on the
 * sign-in page. From a browser the person has signed in from (its device cookie), as on the
 * sign-in page, the device's own bucket bounds the guesses instead of the address's, and the
 * e-mail's is counted but not enforced: a stranger's failed sign-ins with the e-mail, or failed
 * re-entries from the same address (a shared NAT), cannot lock the person out of their own
 * password change or account deletion.
 */
export function reauthenticationLimit(options: ReauthenticationLimitOptions) {
  const { limiter, devices, rateLimits } = options;
  return async (request: FastifyRequest): Promise<void> => {
    const email = currentUser(request).email;
    const token = request.cookies[deviceCookieName(request)];
    const known = token !== undefined && (await devices.accountOf(token)) === email;
    if (!known) {
      await enforcePerAddress(limiter, 'reauth', request.ip, rateLimits);
      return limiter.enforce('login:email', email, rateLimits.per_email);
    }
    await limiter.enforce('login:device', token, rateLimits.per_device);
    await limiter.consume('login:email', email, rateLimits.per_email);
  };
}
