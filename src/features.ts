/**
 * Every feature flag, in one place: the environment variable that turns it off, its
 * default, and everything it guards. The environment schema (config.ts), the jobs a
 * worker schedules (jobs/registry.ts), GET /api/config, the web app's menu and screens
 * and the table in docs/OPERATIONS.md all read this list, and tests check each other
 * place against it, so a new flag is one entry here.
 *
 * Pure data with no Node imports: the web app imports it too.
 */

export interface FeatureFlag {
  /** The key in config.features and in GET /api/config's `features`. */
  name: string;
  /** The environment variable; `true`/`1` turns the feature on, `false`/`0` off. */
  env: string;
  /** Whether the feature is on when the variable is unset or empty. */
  default: boolean;
  /** What the feature is, for the operator's table. */
  summary: string;
  /** The OpenAPI tag of every route of the feature; each answers 404 feature_disabled when off. */
  openApiTag: string;
  /** The URL paths the feature's routes live under (beginnings; `{id}` stands for any id). */
  apiPaths: readonly string[];
  /** Jobs of the feature: not scheduled, and not run by `npm run job`, when it is off. */
  jobs: readonly string[];
  /** The web app's screens of the feature: gone from the menu, and a "turned off" page when opened. */
  screens: readonly string[];
}

export const FEATURES = [
  {
    name: 'insights',
    env: 'ENABLE_INSIGHTS',
    default: true,
    summary: 'Spending insights: the month in figures and charts, and the dashboard charts',
    openApiTag: 'insights',
    apiPaths: ['/api/insights'],
    jobs: ['insights'],
    screens: ['/analises'],
  },
  {
    name: 'imports',
    env: 'ENABLE_IMPORTS',
    default: true,
    summary: 'Bank-statement import (CSV, OFX) and its rules',
    openApiTag: 'imports',
    apiPaths: ['/api/imports'],
    jobs: [],
    screens: ['/importar'],
  },
  {
    name: 'pix',
    env: 'ENABLE_PIX',
    default: true,
    summary: "Pix tools: an account's Pix key, charges with QR codes, Pix paid",
    openApiTag: 'pix',
    apiPaths: ['/api/pix', '/api/accounts/{id}/pix-key'],
    jobs: [],
    screens: ['/pix/receber', '/pix/pago'],
  },
] as const satisfies readonly FeatureFlag[];

export type FeatureName = (typeof FEATURES)[number]['name'];

/** Which features are on, by name: config.features and GET /api/config's `features`. */
export type Features = Record<FeatureName, boolean>;

export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((feature) => feature.name);

/** The feature a job belongs to, or undefined for a job every server runs. */
export function featureOfJob(jobName: string): FeatureFlag | undefined {
  return FEATURES.find((feature) => (feature.jobs as readonly string[]).includes(jobName));
}

/** Whether a job runs with these features: a job of no feature always does. */
export function jobEnabled(jobName: string, features: Features): boolean {
  const feature = featureOfJob(jobName);
  return feature === undefined || features[feature.name as FeatureName];
}

/** The feature a web screen belongs to: its path is the screen's or starts with it and a slash. */
export function featureOfScreen(pathname: string): FeatureName | undefined {
  const owner = FEATURES.find((feature) =>
    feature.screens.some((screen) => pathname === screen || pathname.startsWith(`${screen}/`)),
  );
  return owner?.name;
}

/**
 * The operators' table of flags in docs/OPERATIONS.md, as Markdown rows; a test checks
 * the document holds exactly this, so the table cannot drift from the list above.
 */
export function featureFlagsTable(): string {
  const code = (values: readonly string[]) => (values.length === 0 ? '—' : values.map((value) => `\`${value}\``).join(', '));
  const rows = FEATURES.map(
    (feature) =>
      `| \`${feature.env}\` | \`${feature.default}\` | ${feature.summary} | ${code(feature.apiPaths)} | ${code(feature.jobs)} | ${code(feature.screens)} |`,
  );
  return [
    '| Variable | Default | What it turns off | API paths (404 `feature_disabled`) | Jobs | Screens |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
