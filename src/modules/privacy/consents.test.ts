import { describe, expect, it } from 'vitest';
import { CONSENT_VERSION_LENGTH_MAX, CURRENT_CONSENT_VERSIONS, pendingDocuments } from './consents.js';

const CURRENT = { terms: '2027-03-01', privacy: '2026-12-01' };

describe('pendingDocuments', () => {
  it('asks for every document nobody accepted, in a fixed order', () => {
    expect(pendingDocuments(CURRENT, [])).toEqual(['terms', 'privacy']);
  });

  it('counts only an acceptance of the current version: an older one asks again', () => {
    expect(
      pendingDocuments(CURRENT, [
        { document: 'terms', version: '2026-12-01' },
        { document: 'privacy', version: '2026-12-01' },
      ]),
    ).toEqual(['terms']);
  });

  it('does not take one document for the other', () => {
    expect(pendingDocuments(CURRENT, [{ document: 'privacy', version: '2027-03-01' }])).toEqual(['terms', 'privacy']);
  });

  it('is empty once both current versions are accepted', () => {
    expect(
      pendingDocuments(CURRENT, [
        { document: 'privacy', version: '2026-12-01' },
        { document: 'terms', version: '2027-03-01' },
      ]),
    ).toEqual([]);
  });
});

describe('the published versions', () => {
  it('are dates that fit the column', () => {
    for (const version of Object.values(CURRENT_CONSENT_VERSIONS)) {
      expect(version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(version.length).toBeLessThanOrEqual(CONSENT_VERSION_LENGTH_MAX);
    }
  });
});
