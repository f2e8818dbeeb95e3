import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: 'all',
      port: 3000,
      dataDir: './data',
      logLevel: 'info',
      sessionTtlHours: 720,
      sessionCacheSeconds: 30,
      databaseUrl: undefined,
      features: { insights: true, pix: true, imports: true },
    });
  });

  it('reads and converts values', () => {
    const config = loadConfig({ PORT: '8080', ROLE: 'worker', ENABLE_INSIGHTS: 'false', SESSION_TTL_HOURS: '2' });
    expect(config.port).toBe(8080);
    expect(config.role).toBe('worker');
    expect(config.features.insights).toBe(false);
    expect(config.sessionTtlHours).toBe(2);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['ROLE', 'cron'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['SESSION_TTL_HOURS', '0'],
    ['METRICS_TOKEN', 'short'],
    ['ENABLE_PIX', 'maybe'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });
});
