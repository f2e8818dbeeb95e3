import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as webPaths from '../web/src/app/paths.js';
import { FEATURES, featureFlagsTable, featureOfJob, featureOfScreen, jobEnabled } from './features.js';

const allOn = { insights: true, imports: true, pix: true };

describe('the feature flags', () => {
  it('docs/OPERATIONS.md holds the table of the flags exactly as the list gives it', () => {
    const document = readFileSync(new URL('../docs/OPERATIONS.md', import.meta.url), 'utf8');
    const found = /<!-- feature-flags-table:[^>]*-->\n([\s\S]*?)\n<!-- \/feature-flags-table -->/.exec(document);
    expect(found, 'the table and its markers in docs/OPERATIONS.md').not.toBeNull();
    expect(found?.[1]).toBe(featureFlagsTable());
  });

  it("every feature screen is a screen of the web app's router", () => {
    const paths = new Set<string>(Object.values(webPaths));
    for (const feature of FEATURES) for (const screen of feature.screens) expect(paths, screen).toContain(screen);
  });

  it('finds the feature of a screen and of a job, and only theirs', () => {
    expect(featureOfScreen('/analises')).toBe('insights');
    expect(featureOfScreen('/pix/pago')).toBe('pix');
    expect(featureOfScreen('/importar/')).toBe('imports');
    expect(featureOfScreen('/analisesx')).toBeUndefined();
    expect(featureOfScreen('/contas')).toBeUndefined();
    expect(featureOfJob('insights')?.env).toBe('ENABLE_INSIGHTS');
    expect(featureOfJob('reconcile')).toBeUndefined();
    expect(jobEnabled('insights', { ...allOn, insights: false })).toBe(false);
    expect(jobEnabled('insights', { ...allOn, pix: false })).toBe(true);
    expect(jobEnabled('reconcile', { insights: false, imports: false, pix: false })).toBe(true);
  });
});
