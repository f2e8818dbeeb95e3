import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { applyServerFeatures, featureAvailability } from './featureAvailability';

const featureDisabled = () => new ApiError({ status: 404, code: 'feature_disabled', errors: [], extensions: {} });

describe('feature availability', () => {
  it("follows GET /api/config's flags both ways, and a 404 feature_disabled answer", () => {
    const pix = featureAvailability('pix');
    const imports = featureAvailability('imports');
    const heard: string[] = [];
    const unsubscribe = pix.subscribe(() => heard.push(pix.isDisabled() ? 'off' : 'on'));
    applyServerFeatures({ insights: true, imports: true, pix: false });
    expect([pix.isDisabled(), imports.isDisabled()]).toEqual([true, false]);
    // The server's newer word turns it back on.
    applyServerFeatures({ insights: true, imports: true, pix: true });
    expect(pix.isDisabled()).toBe(false);
    // Another error is not a reason to hide anything.
    pix.noteError(new ApiError({ status: 404, code: 'not_found', errors: [], extensions: {} }));
    expect(pix.isDisabled()).toBe(false);
    pix.noteError(featureDisabled());
    expect(pix.isDisabled()).toBe(true);
    // The same word twice tells listeners nothing new.
    applyServerFeatures({ pix: false });
    expect(heard).toEqual(['off', 'on', 'off']);
    unsubscribe();
    applyServerFeatures({ pix: true });
  });
});
