/**
 * Idempotency keys for money-moving writes. A key is made when a form opens, sent with
 * every attempt of the same submission (so a retry after a lost answer replays the first
 * result instead of posting twice), and replaced once the submission has succeeded.
 */

const UUID_BYTES = 16;

export function newIdempotencyKey(): string {
  // randomUUID exists only in secure contexts (HTTPS or localhost); a self-hosted server
  // reached over plain HTTP on a home network still has getRandomValues.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(UUID_BYTES));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
