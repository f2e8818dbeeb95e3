import type { OpsCommand } from '../command.js';

/** The commands docs/INCIDENT-PLAYBOOK.md runs. */
export const INCIDENT_COMMANDS: readonly OpsCommand[] = [];
