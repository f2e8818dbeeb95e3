import type { Clock } from '../../lib/clock.js';
import type { AuthenticatedUser } from './auth.service.js';

interface Entry {
  user: AuthenticatedUser;
  /**
   * When the session stops being usable: its expiry, or its idle deadline if that comes
   * first. Never served past it, whatever the cache's lifetime.
   */
  sessionExpiresAt: number;
  /** When this copy stops being trusted even if nobody announced a change. */
  staleAt: number;
}

/**
 * Live sessions kept in memory for a few seconds, keyed by the token's SHA-256, so an
 * authenticated request costs no database round trip. It is only trusted while this
 * process hears every change to sessions and people (AuthChangeListener, fed by the
 * database's own triggers): until the listener is connected, and again from the moment
 * it loses its connection, the cache is off and every lookup goes to the database.
 *
 * A lookup that was already on its way to the database when a change arrived must not
 * put a copy that was read before the change: every eviction advances the epoch, and a
 * result is kept only if the epoch is the one its lookup started in.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * The keys held for each session and each person. The database announces a change by
   * session or person id, up to one announcement per deleted or revoked row, so eviction
   * looks the keys up here instead of walking every entry: a burst of announcements must
   * not block the event loop for a time that grows with the size of the cache.
   */
  private readonly keysBySession = new Map<string, Set<string>>();
  private readonly keysByUser = new Map<string, Set<string>>();
  private enabled = false;
  private currentEpoch = 0;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; clock: Clock }) {}

  get size(): number {
    return this.entries.size;
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Turned on once the listener hears changes, off when it may have missed one. Either
   * way everything held is forgotten and the epoch advances, so a lookup that read the
   * database before the listener was in place cannot be kept.
   */
  setEnabled(enabled: boolean): void {
    this.clear();
    this.enabled = enabled;
  }

  get(tokenHash: Buffer): AuthenticatedUser | undefined {
    if (!this.enabled) return undefined;
    const key = tokenHash.toString('hex');
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.options.clock.now().getTime();
    if (now >= entry.staleAt || now >= entry.sessionExpiresAt) {
      this.remove(key);
      return undefined;
    }
    return entry.user;
  }

  /**
   * Keeps a session read from the database, unless something changed since epoch.
   * `sessionExpiresAt` is the earlier of the session's expiry and its idle deadline.
   */
  put(tokenHash: Buffer, user: AuthenticatedUser, sessionExpiresAt: Date, epoch: number): void {
    if (!this.enabled || epoch !== this.currentEpoch || this.options.ttlMs <= 0) return;
    const key = tokenHash.toString('hex');
    this.remove(key);
    if (this.entries.size >= this.options.maxEntries) {
      // Maps keep insertion order: the first key is the oldest copy.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.remove(oldest);
    }
    this.entries.set(key, {
      user,
      sessionExpiresAt: sessionExpiresAt.getTime(),
      staleAt: this.options.clock.now().getTime() + this.options.ttlMs,
    });
    addToIndex(this.keysBySession, user.sessionId, key);
    addToIndex(this.keysByUser, user.id, key);
  }

  evictSession(sessionId: string): void {
    this.evictKeys(this.keysBySession.get(sessionId));
  }

  evictUser(userId: string): void {
    this.evictKeys(this.keysByUser.get(userId));
  }

  clear(): void {
    this.currentEpoch += 1;
    this.entries.clear();
    this.keysBySession.clear();
    this.keysByUser.clear();
  }

  /** Advances the epoch even when nothing is held: a lookup under way may be about to put. */
  private evictKeys(keys: ReadonlySet<string> | undefined): void {
    this.currentEpoch += 1;
    // A copy of the set: remove() deletes from the very set being walked.
    for (const key of [...(keys ?? [])]) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    removeFromIndex(this.keysBySession, entry.user.sessionId, key);
    removeFromIndex(this.keysByUser, entry.user.id, key);
  }
}

function addToIndex(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (keys) keys.add(key);
  else index.set(id, new Set([key]));
}

/** Drops the id once it has no keys left, so the indexes never outgrow the entries. */
function removeFromIndex(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(id);
}

/** What a notification on the vdp_auth_changed channel asks the cache to forget. */
export function applyAuthChange(cache: SessionCache, payload: string | undefined): void {
  const [kind, id] = (payload ?? '').split(':', 2);
  if (kind === 'session' && id) cache.evictSession(id);
  else if (kind === 'user' && id) cache.evictUser(id);
  else cache.clear();
}
