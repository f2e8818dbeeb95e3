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

  it('takes DATABASE_DIRECT_URL only beside DATABASE_URL (the pooler it bypasses)', () => {
    const direct = 'postgres://app@db.internal:5432/vaidepix';
    expect(() => loadConfig({ DATABASE_DIRECT_URL: direct })).toThrow(/DATABASE_DIRECT_URL: only with DATABASE_URL/);
    const config = loadConfig({ DATABASE_URL: 'postgres://app@pgbouncer.internal:6432/vaidepix', DATABASE_DIRECT_URL: direct });
    expect(config.databaseDirectUrl).toBe(direct);
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

  it.each([
    ['DATABASE_URL', 'mysql://admin:s3cr3t-pass@db.internal/vdp'],
    ['DATABASE_URL', `postgres://admin:s3cr3t-pass@db.internal/${'x'.repeat(3000)}`],
    ['METRICS_TOKEN', 's3cr3t-tok'],
    ['METRICS_TOKEN', `s3cr3t-tok${'y'.repeat(300)}`],
    ['SENTRY_DSN', 'ftp://s3cr3tkey@sentry.example.com/1'],
  ])('names %s but never repeats its value', (name, value) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`${name}:`));
    expect(message).not.toContain('s3cr3t');
    expect(message).toContain('value not shown');
  });

  it('still shows the value of a variable that holds no secret', () => {
    expect(() => loadConfig({ ROLE: 'cron' })).toThrow(/got "cron"/);
  });
});

describe('TRUST_PROXY and the sign-in limits', () => {
  it('trusts no proxy by default and reads hops, true as one hop, and lists', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });

  it('refuses a TRUST_PROXY that is neither and names the variable', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY:/);
  });

  it('reads the AUTH_RATE_LIMIT_* variables, whose defaults are AUTH_RATE_LIMITS_DEFAULT', async () => {
    const { AUTH_RATE_LIMITS_DEFAULT } = await import('./modules/auth/auth.routes.js');
    expect(loadConfig({}).authRateLimits).toEqual(AUTH_RATE_LIMITS_DEFAULT);
    const config = loadConfig({ AUTH_RATE_LIMIT_PER_IP: '500', AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' });
    expect(config.authRateLimits.per_ip).toEqual({ max: 500, window_ms: 60_000 });
    expect(() => loadConfig({ AUTH_RATE_LIMIT_PER_EMAIL: '0' })).toThrow(/AUTH_RATE_LIMIT_PER_EMAIL:/);
  });
});

describe('TEST_CLOCK_START', () => {
  it('is unset unless given', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).testClockStart).toBeUndefined();
  });

  it('gives the instant the clock starts at when NODE_ENV=test', () => {
    const config = loadConfig({ NODE_ENV: 'test', TEST_CLOCK_START: '2026-12-31T23:30:00-03:00' });
    expect(config.testClockStart?.toISOString()).toBe('2027-01-01T02:30:00.000Z');
  });

  it.each([undefined, 'production', 'development'])('is refused, naming the variable, when NODE_ENV is %s', (nodeEnv) => {
    const environment = { TEST_CLOCK_START: '2028-02-29T12:00:00-03:00', ...(nodeEnv ? { NODE_ENV: nodeEnv } : {}) };
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    expect(() => loadConfig(environment)).toThrow(/TEST_CLOCK_START: only allowed when NODE_ENV=test/);
  });

  it.each(['2028-02-29', '2028-02-29T12:00:00', 'yesterday', '2028-02-30T12:00:00Z'])(
    'refuses %s, which is not an instant with its offset',
    (value) => {
      expect(() => loadConfig({ NODE_ENV: 'test', TEST_CLOCK_START: value })).toThrow(/TEST_CLOCK_START: must be an instant/);
    },
  );
});

describe('JOB_SCHEDULE_OVERRIDE and JOB_TEST_PAUSE_MS', () => {
  it('are unset unless given', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.jobScheduleOverride).toBeUndefined();
    expect(config.jobTestPauseMs).toBeUndefined();
  });

  it('give every job one pattern and a pause when NODE_ENV=test', () => {
    const config = loadConfig({ NODE_ENV: 'test', JOB_SCHEDULE_OVERRIDE: '* * * * * *', JOB_TEST_PAUSE_MS: '250' });
    expect(config.jobScheduleOverride).toBe('* * * * * *');
    expect(config.jobTestPauseMs).toBe(250);
  });

  it.each([
    [undefined, 'JOB_SCHEDULE_OVERRIDE', '* * * * * *'],
    ['production', 'JOB_SCHEDULE_OVERRIDE', '* * * * * *'],
    ['development', 'JOB_TEST_PAUSE_MS', '100'],
    ['production', 'JOB_TEST_PAUSE_MS', '100'],
  ])('are refused, naming the variable, when NODE_ENV is %s (%s)', (nodeEnv, name, value) => {
    const environment = { [name]: value, ...(nodeEnv ? { NODE_ENV: nodeEnv } : {}) };
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    expect(() => loadConfig(environment)).toThrow(new RegExp(`${name}: only allowed when NODE_ENV=test`));
  });

  it.each(['every second', '* * *', '61 * * * * *'])('refuses the pattern %s', (pattern) => {
    expect(() => loadConfig({ NODE_ENV: 'test', JOB_SCHEDULE_OVERRIDE: pattern })).toThrow(
      /JOB_SCHEDULE_OVERRIDE: not a cron pattern/,
    );
  });

  it.each(['0', '-5', 'soon', '60001'])('refuses the pause %s', (pause) => {
    expect(() => loadConfig({ NODE_ENV: 'test', JOB_TEST_PAUSE_MS: pause })).toThrow(/JOB_TEST_PAUSE_MS:/);
  });
});

describe('BACKUP_CRON', () => {
  it('is unset unless given, and then read as it is', () => {
    expect(loadConfig({}).backup.cron).toBeUndefined();
    expect(loadConfig({ BACKUP_CRON: '15 3 * * *' }).backup.cron).toBe('15 3 * * *');
  });

  it.each(['daily', '* * *', '61 3 * * *', '0 25 * * *'])('refuses the pattern %s, naming the variable', (pattern) => {
    expect(() => loadConfig({ BACKUP_CRON: pattern })).toThrow(ConfigError);
    expect(() => loadConfig({ BACKUP_CRON: pattern })).toThrow(/BACKUP_CRON: not a cron pattern/);
  });
});
