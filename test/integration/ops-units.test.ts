import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { type Config, EnvSchema, loadConfig } from '../../src/config.js';
import { HSTS_VALUE } from '../../src/http/transport-security.js';
import { MAPPING_TEXT_LENGTH_MAX } from '../../src/modules/imports/imports.schemas.js';
import { IMPORT_FILE_BYTES_MAX } from '../../src/modules/imports/statement.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { childrenNamed, type Directive, onlyChild, parseCaddyfile, parseNginx } from '../helpers/proxy-config.js';
import {
  caddyBytes,
  environmentAssignments,
  lastValueOf,
  listOf,
  nginxBytes,
  parseEnvironmentFile,
  parseUnitFile,
  systemdBoolean,
  systemdSeconds,
  type UnitFile,
  valuesOf,
} from '../helpers/unit-file.js';

/**
 * The production example without containers (ops/): the two systemd units, their
 * environment file and the reverse-proxy configurations, read and checked against the
 * code they run: the environment schema, the production entry point, the upload limits,
 * the HSTS value and how the app believes a proxy. Where systemd-analyze, nginx or caddy
 * is installed, the real tool checks the files too.
 */
const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (relative: string) => readFileSync(path.join(ROOT, relative), 'utf8');

const UNITS_DIR = 'ops/systemd';
const UNIT_NAMES = { api: 'vai-de-pix-api.service', worker: 'vai-de-pix-worker.service' } as const;
type Role = keyof typeof UNIT_NAMES;
const ROLES = Object.keys(UNIT_NAMES) as Role[];
const units: Record<Role, UnitFile> = {
  api: parseUnitFile(read(`${UNITS_DIR}/${UNIT_NAMES.api}`)),
  worker: parseUnitFile(read(`${UNITS_DIR}/${UNIT_NAMES.worker}`)),
};
const envExample = parseEnvironmentFile(read(`${UNITS_DIR}/vai-de-pix.env.example`));
const nginxSite = parseNginx(read('ops/reverse-proxy/nginx-vai-de-pix.conf'));
const caddySite = parseCaddyfile(read('ops/reverse-proxy/Caddyfile'));

/** Where the units expect things; docs/OPERATIONS.md installs them there. */
const INSTALL_DIR = '/opt/vai-de-pix';
const ENVIRONMENT_FILE = '/etc/vai-de-pix/vai-de-pix.env';
const SERVICE_USER = 'vai-de-pix';
const STATE_ROOT = '/var/lib';

/** After SHUTDOWN_GRACE_SECONDS the process still closes its pool and flushes Sentry. */
const STOP_MARGIN_SECONDS = 10;
/** An import's form fields besides the file (four, the mapping the largest), boundaries and part headers. */
const MULTIPART_OVERHEAD_BYTES_MAX = 4 * MAPPING_TEXT_LENGTH_MAX + 16 * 1024;

/** Set by each unit and absent from the env file: EnvironmentFile= values win over Environment=. */
const UNIT_ONLY_VARIABLES = ['ROLE', 'METRICS_PORT'];
/** Test devices the production environment must never carry (loadConfig refuses them outside tests). */
const TEST_ONLY_VARIABLES = ['TEST_CLOCK_START', 'JOB_SCHEDULE_OVERRIDE', 'JOB_TEST_PAUSE_MS'];

/** Each option of the sandbox and the only value accepted for it (booleans in any systemd spelling). */
const HARDENING: Record<string, string | boolean> = {
  NoNewPrivileges: true,
  ProtectSystem: 'strict',
  ProtectHome: true,
  PrivateTmp: true,
  PrivateDevices: true,
  ProtectKernelTunables: true,
  ProtectKernelModules: true,
  ProtectKernelLogs: true,
  ProtectControlGroups: true,
  ProtectClock: true,
  ProtectHostname: true,
  RestrictNamespaces: true,
  RestrictRealtime: true,
  RestrictSUIDSGID: true,
  LockPersonality: true,
  SystemCallFilter: '@system-service',
  SystemCallArchitectures: 'native',
  CapabilityBoundingSet: '',
  AmbientCapabilities: '',
  UMask: '0077',
};

function service(role: Role, key: string): string | undefined {
  return lastValueOf(units[role], 'Service', key);
}

function unitEnvironment(role: Role): Record<string, string> {
  return Object.assign({}, ...valuesOf(units[role], 'Service', 'Environment').map(environmentAssignments));
}

/**
 * The configuration a unit's process reads, merged as systemd merges it: the unit's
 * Environment= first, then the EnvironmentFile=, whose values win.
 */
function configFor(role: Role, { withOptional }: { withOptional: boolean }): Config {
  return loadConfig({
    ...unitEnvironment(role),
    ...(withOptional ? envExample.optional : {}),
    ...envExample.settings,
  });
}

function isExecutableOnPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((folder) => {
    try {
      accessSync(path.join(folder, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const has = {
  systemdAnalyze: isExecutableOnPath('systemd-analyze'),
  systemdSysusers: isExecutableOnPath('systemd-sysusers'),
  nginx: isExecutableOnPath('nginx') && isExecutableOnPath('openssl'),
  caddy: isExecutableOnPath('caddy'),
};

describe('the systemd units', () => {
  it.each(ROLES)('%s: has [Unit], [Service] and [Install], starts at boot and after the database', (role) => {
    expect([...units[role].keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(lastValueOf(units[role], 'Unit', 'Description')).toMatch(/Vai de Pix/);
    expect(listOf(units[role], 'Unit', 'After')).toEqual(expect.arrayContaining(['network-online.target', 'postgresql.service']));
    expect(listOf(units[role], 'Unit', 'Wants')).toEqual(expect.arrayContaining(['network-online.target', 'postgresql.service']));
    expect(lastValueOf(units[role], 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it.each(ROLES)('%s: runs the production entry as the dedicated user, from the install folder, with the env file', (role) => {
    expect(service(role, 'User')).toBe(SERVICE_USER);
    expect(service(role, 'Group')).toBe(SERVICE_USER);
    expect(service(role, 'DynamicUser')).toBeUndefined();
    expect(service(role, 'WorkingDirectory')).toBe(INSTALL_DIR);
    expect(valuesOf(units[role], 'Service', 'EnvironmentFile')).toEqual([ENVIRONMENT_FILE]);
    const [executable, script, ...rest] = (service(role, 'ExecStart') ?? '').split(/\s+/);
    expect(executable).toBe('/usr/bin/node');
    expect(rest).toEqual([]);
    // The production entry: what `npm start` runs after the build, compiled from src/ into dist/.
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toMatch(new RegExp(`&& node ${script}$`));
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    const source = path.join(build.compilerOptions.rootDir, path.relative(build.compilerOptions.outDir, script as string));
    expect(source.replace(/\.js$/, '.ts')).toBe('src/main.ts');
    expect(existsSync(path.join(ROOT, 'src/main.ts'))).toBe(true);
  });

  it.each(ROLES)('%s: restarts on failure but not on a bad environment, and stops by SIGTERM with time to drain', (role) => {
    expect(service(role, 'Restart')).toBe('on-failure');
    // main.ts exits 78 when the environment is invalid; restarting would only loop.
    expect(listOf(units[role], 'Service', 'RestartPreventExitStatus')).toContain('78');
    expect(service(role, 'KillSignal')).toBe('SIGTERM');
    expect(service(role, 'KillMode')).toBe('mixed');
    const graceSeconds = configFor(role, { withOptional: false }).shutdownGraceSeconds;
    const stopSeconds = systemdSeconds(service(role, 'TimeoutStopSec') ?? '');
    expect(stopSeconds).toBeGreaterThanOrEqual(graceSeconds + STOP_MARGIN_SECONDS);
    expect(Number(service(role, 'LimitNOFILE'))).toBeGreaterThanOrEqual(4096);
  });

  it.each(ROLES)('%s: has every option of the sandbox, each with its safe value', (role) => {
    const wrong = Object.entries(HARDENING).flatMap(([key, expected]) => {
      const actual = service(role, key);
      const ok = typeof expected === 'boolean' ? systemdBoolean(actual) === expected : actual === expected;
      return ok ? [] : [`${key}=${actual ?? '(not set)'}`];
    });
    expect(wrong).toEqual([]);
    expect(new Set(listOf(units[role], 'Service', 'RestrictAddressFamilies'))).toEqual(
      new Set(['AF_INET', 'AF_INET6', 'AF_UNIX']),
    );
  });

  it.each(ROLES)('%s: leaves MemoryDenyWriteExecute off, since V8 writes the code it then runs', (role) => {
    expect(systemdBoolean(service(role, 'MemoryDenyWriteExecute')) ?? false).toBe(false);
  });

  it.each(ROLES)('%s: writes only where it must (the API nowhere, the worker the backup directory)', (role) => {
    const writable = [
      ...listOf(units[role], 'Service', 'ReadWritePaths'),
      ...listOf(units[role], 'Service', 'StateDirectory').map((directory) => path.posix.join(STATE_ROOT, directory)),
    ];
    for (const key of ['CacheDirectory', 'LogsDirectory', 'RuntimeDirectory', 'ConfigurationDirectory']) {
      expect(listOf(units[role], 'Service', key)).toEqual([]);
    }
    if (role === 'api') {
      expect(writable).toEqual([]);
      return;
    }
    const backupDir = configFor(role, { withOptional: false }).backup.dir;
    expect(writable).toEqual([backupDir]);
    expect(service(role, 'StateDirectoryMode')).toBe('0700');
  });

  it('each unit sets a valid ROLE of its own; the worker serves its metrics on a port apart from the API', () => {
    const roleSchema = EnvSchema.properties.ROLE.anyOf.map((literal: { const: string }) => literal.const);
    for (const role of ROLES) {
      expect(roleSchema).toContain(unitEnvironment(role).ROLE);
      expect(configFor(role, { withOptional: true }).role).toBe(role);
    }
    const api = configFor('api', { withOptional: false });
    const worker = configFor('worker', { withOptional: false });
    expect(api.metricsPort).toBeUndefined();
    expect(worker.metricsPort).toBeDefined();
    expect(worker.metricsPort).not.toBe(api.port);
  });

  it('the sysusers entry creates the user both units run as', () => {
    const entries = read(`${UNITS_DIR}/vai-de-pix.sysusers.conf`)
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(entries).toHaveLength(1);
    const [type, name] = (entries[0] as string).split(/\s+/);
    expect([type, name]).toEqual(['u', SERVICE_USER]);
  });

  it.runIf(has.systemdSysusers)('systemd-sysusers would create that user (where systemd-sysusers is available)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vdp-sysusers-'));
    try {
      const file = path.join(ROOT, UNITS_DIR, 'vai-de-pix.sysusers.conf');
      const { stdout, stderr } = await execFileAsync('systemd-sysusers', [`--root=${root}`, '--dry-run', file]);
      expect(`${stdout}${stderr}`).toContain(`Creating user '${SERVICE_USER}'`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.runIf(has.systemdAnalyze)('systemd-analyze verify accepts both units (where systemd-analyze is available)', async () => {
    const files = ROLES.map((role) => path.join(ROOT, UNITS_DIR, UNIT_NAMES[role]));
    const { stdout, stderr } = await execFileAsync('systemd-analyze', ['verify', ...files]);
    // verify exits 0 on an unknown key or a bad value: it only warns, naming the file or unit.
    const complaints = `${stdout}${stderr}`
      .split('\n')
      .filter((line) => Object.values(UNIT_NAMES).some((name) => line.includes(name)));
    expect(complaints).toEqual([]);
  });

  it.runIf(has.systemdAnalyze)(
    'systemd-analyze security rates both units at most 2.0 (where systemd-analyze is available)',
    async () => {
      for (const role of ROLES) {
        const file = path.join(ROOT, UNITS_DIR, UNIT_NAMES[role]);
        // Exits non-zero when the exposure is above the threshold, given in tenths (20 is 2.0).
        const { stdout } = await execFileAsync('systemd-analyze', ['security', '--offline=yes', '--threshold=20', file]);
        expect(stdout).toMatch(new RegExp(`Overall exposure level for ${UNIT_NAMES[role]}: [0-2]\\.\\d`));
      }
    },
  );
});

describe('the environment example', () => {
  const schemaNames = new Set(Object.keys(EnvSchema.properties));
  const allNames = [...Object.keys(envExample.settings), ...Object.keys(envExample.optional)];

  it('names only variables the app reads (and NODE_ENV), none of the test-only ones, neither ROLE nor METRICS_PORT', () => {
    expect(allNames.filter((name) => name !== 'NODE_ENV' && !schemaNames.has(name))).toEqual([]);
    expect(allNames.filter((name) => TEST_ONLY_VARIABLES.includes(name) || UNIT_ONLY_VARIABLES.includes(name))).toEqual([]);
    expect(envExample.settings.NODE_ENV).toBe('production');
  });

  it('passes the schema as written, and with every optional line uncommented', () => {
    for (const role of ROLES) {
      expect(() => configFor(role, { withOptional: false })).not.toThrow();
      expect(() => configFor(role, { withOptional: true })).not.toThrow();
    }
  });

  it('is production-shaped: an external database, loopback behind a trusted local proxy, HTTPS, backups and metrics', () => {
    const config = configFor('api', { withOptional: true });
    // The embedded PostgreSQL is for trying the app out; production names its server.
    expect(config.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
    expect(config.host).toBe('127.0.0.1');
    expect(config.trustProxy).toEqual(expect.arrayContaining([config.host]));
    expect(config.mail.appUrl).toMatch(/^https:\/\//);
    expect(config.metricsToken).toBeDefined();
    expect(config.backup.cron).toBeDefined();
    expect(config.backup.dir.startsWith(`${STATE_ROOT}/`)).toBe(true);
    expect(config.mail.smtpUrl).toMatch(/^smtps?:\/\//);
    expect(config.sentryDsn).toMatch(/^https:\/\//);
  });

  it('reads the same in a shell, as the manual commands in docs/OPERATIONS.md source it', async () => {
    const file = path.join(ROOT, UNITS_DIR, 'vai-de-pix.env.example');
    const { stdout } = await execFileAsync('sh', ['-c', 'set -a && . "$1" && env', 'sh', file], { env: {} });
    const shell = Object.fromEntries(
      stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const [name, value] of Object.entries(envExample.settings)) expect(shell[name], name).toBe(value);
  });

  it('carries no secret: each password and token is a CHANGE-ME placeholder', () => {
    const values = { ...envExample.optional, ...envExample.settings };
    expect(new URL(values.DATABASE_URL ?? '').password).toBe('CHANGE-ME');
    expect(new URL(values.SMTP_URL ?? '').password).toBe('CHANGE-ME');
    expect(values.METRICS_TOKEN).toMatch(/^CHANGE-ME/);
  });
});

/** The server { … } of nginx's site that listens with TLS. */
function nginxTlsServer(): Directive[] {
  const servers = childrenNamed(nginxSite, 'server').filter((server) =>
    childrenNamed(server.block, 'listen').some((listen) => listen.args.includes('ssl')),
  );
  expect(servers).toHaveLength(1);
  return servers[0]?.block ?? [];
}

function nginxProxyHeaders(location: Directive[] | undefined): Record<string, string> {
  return Object.fromEntries(childrenNamed(location, 'proxy_set_header').map((d) => [d.args[0]?.toLowerCase(), d.args[1]]));
}

/** The largest request the app accepts: an import's file with its form, or a JSON body. */
const LARGEST_REQUEST_BYTES = Math.max(IMPORT_FILE_BYTES_MAX + MULTIPART_OVERHEAD_BYTES_MAX, BODY_LIMIT_BYTES);

describe('the nginx site', () => {
  const api = configFor('api', { withOptional: false });

  it('serves TLS on 443 and sends plain HTTP there', () => {
    const tls = nginxTlsServer();
    expect(childrenNamed(tls, 'listen').map((listen) => listen.args[0])).toEqual(['443', '[::]:443']);
    expect(onlyChild(tls, 'ssl_protocols').args).toEqual(['TLSv1.2', 'TLSv1.3']);
    const plain = childrenNamed(nginxSite, 'server').filter((server) =>
      childrenNamed(server.block, 'listen').every((listen) => !listen.args.includes('ssl')),
    );
    expect(plain).toHaveLength(1);
    expect(childrenNamed(plain[0]?.block, 'listen').map((listen) => listen.args[0])).toEqual(['80', '[::]:80']);
    const redirect = onlyChild(onlyChild(plain[0]?.block, 'location', '/').block, 'return');
    expect(redirect.args).toEqual(['301', 'https://$host$request_uri']);
  });

  it('sends one HSTS header, with the value the app uses, on every answer', () => {
    const tls = nginxTlsServer();
    expect(onlyChild(tls, 'add_header', 'Strict-Transport-Security').args.slice(1)).toEqual([HSTS_VALUE, 'always']);
    expect(onlyChild(tls, 'proxy_hide_header').args).toEqual(['Strict-Transport-Security']);
    // An add_header inside a location would drop the server's: none may have one.
    const locations = childrenNamed(tls, 'location');
    expect(locations.flatMap((location) => childrenNamed(location.block, 'add_header'))).toEqual([]);
  });

  it('lets the largest valid upload through and bounds slow clients', () => {
    const tls = nginxTlsServer();
    expect(nginxBytes(onlyChild(tls, 'client_max_body_size').args[0] ?? '')).toBeGreaterThanOrEqual(LARGEST_REQUEST_BYTES);
    for (const timeout of ['client_header_timeout', 'client_body_timeout', 'send_timeout']) {
      expect(onlyChild(tls, timeout).args[0]).toMatch(/^\d+s$/);
    }
    const proxy = onlyChild(tls, 'location', '/').block;
    for (const timeout of ['proxy_connect_timeout', 'proxy_send_timeout', 'proxy_read_timeout']) {
      expect(onlyChild(proxy, timeout).args[0]).toMatch(/^\d+s$/);
    }
  });

  it('answers /metrics itself with 404', () => {
    const tls = nginxTlsServer();
    expect(onlyChild(onlyChild(tls, 'location', '=', '/metrics').block, 'return').args).toEqual(['404']);
    expect(onlyChild(onlyChild(tls, 'location', '^~', '/metrics/').block, 'return').args).toEqual(['404']);
  });

  it('proxies to the HOST and PORT of the env file, with the headers TRUST_PROXY believes', () => {
    const proxy = onlyChild(nginxTlsServer(), 'location', '/').block;
    const upstreamName = onlyChild(proxy, 'proxy_pass').args[0]?.replace(/^http:\/\//, '');
    const upstream = onlyChild(nginxSite, 'upstream', upstreamName ?? '');
    expect(onlyChild(upstream.block, 'server').args[0]).toBe(`${api.host}:${api.port}`);
    const headers = nginxProxyHeaders(proxy);
    expect(headers['x-forwarded-proto']).toBe('$scheme');
    // Overwritten with the peer's address: a client cannot slip its own entries in.
    expect(headers['x-forwarded-for']).toBe('$remote_addr');
    expect(headers.host).toBe('$host');
  });

  it.runIf(has.nginx)('nginx -t accepts the site (where nginx and openssl are available)', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'vdp-nginx-'));
    try {
      await execFileAsync('openssl', [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
        ...['-keyout', path.join(folder, 'key.pem'), '-out', path.join(folder, 'cert.pem')],
      ]);
      const site = read('ops/reverse-proxy/nginx-vai-de-pix.conf')
        .replace(/\/etc\/letsencrypt\/live\/[^/]+\/fullchain\.pem/, path.join(folder, 'cert.pem'))
        .replace(/\/etc\/letsencrypt\/live\/[^/]+\/privkey\.pem/, path.join(folder, 'key.pem'));
      writeFileSync(path.join(folder, 'site.conf'), site);
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${folder}/${kind};`);
      const main = [
        `pid ${folder}/nginx.pid;`,
        `error_log ${folder}/error.log;`,
        'events {}',
        `http { access_log off; ${temp.join(' ')} include ${folder}/site.conf; }`,
      ];
      writeFileSync(path.join(folder, 'nginx.conf'), main.join('\n'));
      const configFile = path.join(folder, 'nginx.conf');
      const { stderr } = await execFileAsync('nginx', ['-t', '-p', `${folder}/`, '-e', `${folder}/error.log`, '-c', configFile]);
      expect(stderr).toContain('test is successful');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the Caddyfile', () => {
  const api = configFor('api', { withOptional: false });
  const site = (): Directive[] => {
    expect(caddySite).toHaveLength(1);
    expect(caddySite[0]?.name).toBe(new URL(api.mail.appUrl).hostname);
    return caddySite[0]?.block ?? [];
  };

  it('lets the largest valid upload through', () => {
    const maxSize = onlyChild(onlyChild(site(), 'request_body').block, 'max_size').args[0];
    expect(caddyBytes(maxSize ?? '')).toBeGreaterThanOrEqual(LARGEST_REQUEST_BYTES);
  });

  it("sends one HSTS header, with the app's value, on every answer", () => {
    expect(onlyChild(site(), 'header', 'Strict-Transport-Security').args.slice(1)).toEqual([HSTS_VALUE]);
    const proxy = onlyChild(site(), 'reverse_proxy').block;
    expect(onlyChild(proxy, 'header_down').args).toEqual(['-Strict-Transport-Security']);
  });

  it('answers /metrics itself with 404', () => {
    const matcher = onlyChild(site(), '@metrics');
    expect(matcher.args).toEqual(['path', '/metrics', '/metrics/*']);
    expect(onlyChild(site(), 'respond', '@metrics').args).toEqual(['@metrics', '404']);
  });

  it("proxies to the env file's HOST and PORT, leaving Caddy's own X-Forwarded-* as they are, with timeouts", () => {
    const proxy = onlyChild(site(), 'reverse_proxy');
    expect(proxy.args).toEqual([`${api.host}:${api.port}`]);
    expect(childrenNamed(proxy.block, 'header_up')).toEqual([]);
    const transport = onlyChild(proxy.block, 'transport', 'http').block;
    expect(onlyChild(transport, 'dial_timeout').args[0]).toMatch(/^\d+s$/);
    expect(onlyChild(transport, 'response_header_timeout').args[0]).toMatch(/^\d+s$/);
  });

  it.runIf(has.caddy)('caddy validate accepts it (where caddy is available)', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'vdp-caddy-'));
    try {
      const environment = { ...process.env, HOME: folder, XDG_DATA_HOME: folder, XDG_CONFIG_HOME: folder };
      const file = path.join(ROOT, 'ops/reverse-proxy/Caddyfile');
      const { stdout } = await execFileAsync('caddy', ['validate', '--adapter', 'caddyfile', '--config', file], {
        env: environment,
      });
      expect(stdout).toContain('Valid configuration');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the app behind the nginx site, with the env file', () => {
  const PROXY_ADDRESS = '127.0.0.1';
  const CLIENT_ADDRESS = '198.51.100.23';
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: envExample.settings.TRUST_PROXY } });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The headers nginx sends for a browser's HTTPS request, its variables filled in. */
  function forwardedHeaders(): Record<string, string> {
    const proxy = onlyChild(nginxTlsServer(), 'location', '/').block;
    const variables: Record<string, string> = {
      $scheme: 'https',
      $remote_addr: CLIENT_ADDRESS,
      $host: 'financas.example.com.br',
    };
    const headers = nginxProxyHeaders(proxy);
    return Object.fromEntries(
      Object.entries(headers)
        .filter(([, value]) => value !== '')
        .map(([name, value]) => [name, value.replace(/\$[a-z_]+/g, (variable) => variables[variable] ?? variable)]),
    );
  }

  it('sees HTTPS through the local proxy: HSTS is sent', async () => {
    const headers = forwardedHeaders();
    expect(headers).toMatchObject({ 'x-forwarded-proto': 'https', 'x-forwarded-for': CLIENT_ADDRESS });
    const response = await app.app.inject({ method: 'GET', url: '/health', remoteAddress: PROXY_ADDRESS, headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers['strict-transport-security']).toBe(HSTS_VALUE);
  });

  it('believes the same headers from nobody else', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/health',
      remoteAddress: '203.0.113.7',
      headers: forwardedHeaders(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the readers of these files', () => {
  it('refuse a unit-file line that is neither a section, a Key=Value nor a comment', () => {
    expect(() => parseUnitFile('[Service]\nUser=vai-de-pix\nProtectSystem strict\n')).toThrow(/line 3/);
    expect(() => parseUnitFile('User=vai-de-pix\n')).toThrow(/before any \[Section\]/);
  });

  it('read a unit file as systemd does: continued lines, repeated and emptied list keys, the last single value', () => {
    const unit = parseUnitFile(
      '[Service]\nRestrictAddressFamilies=AF_INET \\\n  AF_UNIX\nUser=a\nUser=b\nReadWritePaths=/x\nReadWritePaths=\n',
    );
    expect(listOf(unit, 'Service', 'RestrictAddressFamilies')).toEqual(['AF_INET', 'AF_UNIX']);
    expect(lastValueOf(unit, 'Service', 'User')).toBe('b');
    expect(listOf(unit, 'Service', 'ReadWritePaths')).toEqual([]);
    expect(systemdSeconds('1min 30s')).toBe(90);
    expect(systemdBoolean('on')).toBe(true);
    expect(systemdBoolean('maybe')).toBeUndefined();
  });

  it('refuse environment lines that systemd and a shell would read differently', () => {
    for (const line of ['export A=1', 'A=two words', "A='single'", 'A=$HOME', 'A="a \\" b"']) {
      expect(() => parseEnvironmentFile(`${line}\n`), line).toThrow();
    }
    expect(parseEnvironmentFile('A="two words"\n#B=2\n# a comment\n')).toEqual({
      settings: { A: 'two words' },
      optional: { B: '2' },
    });
  });

  it("read sizes with each server's units", () => {
    expect(nginxBytes('11m')).toBe(11 * 1024 * 1024);
    expect(caddyBytes('11MiB')).toBe(11 * 1024 * 1024);
    expect(caddyBytes('11MB')).toBe(11_000_000);
    expect(() => nginxBytes('11 MB')).toThrow();
  });
});
