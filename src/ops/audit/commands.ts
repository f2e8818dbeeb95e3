import type { OpsCommand } from '../command.js';

/** The commands docs/AUDITABILITY.md runs. */
export const AUDIT_COMMANDS: readonly OpsCommand[] = [];
