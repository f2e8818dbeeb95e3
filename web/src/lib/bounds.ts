// The per-person limits and defaults the server enforces (src/lib/bounds.ts), imported
// from one place so the screens hold the server's values instead of copies.
export * from '../../../src/lib/bounds';
