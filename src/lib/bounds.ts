/**
 * Limits and defaults the server enforces and the web app shows before it asks. They
 * live in this pure module, with no imports, so the server's services and the web app
 * (which imports it by relative path) read the same values and cannot drift apart.
 */

/** A person with more accounts than this is not a person; it bounds every account list. */
export const ACCOUNTS_PER_USER_MAX = 200;
/** How many categories a person may hold, the default ones included. */
export const CATEGORIES_PER_USER_MAX = 200;
/**
 * How many monthly budgets a person may hold in all months together: 40 categories for 20
 * years. Every category in every month the API names (2000–2099) would be 240,000 rows.
 */
export const BUDGETS_PER_USER_MAX = 10_000;
/** A budget's alert thresholds, in percent of what is available, when none are given. */
export const DEFAULT_ALERT_THRESHOLDS: [number, number, number] = [50, 80, 100];
