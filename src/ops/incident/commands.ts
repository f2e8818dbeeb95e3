import type { OpsCommand } from '../command.js';
import { checkLedgerCommand } from './check-ledger.js';
import { conflictsCommand } from './conflicts.js';
import { databaseStatusCommand } from './database-status.js';
import { jobsCommand } from './jobs.js';
import { rebuildBalancesCommand } from './rebuild-balances.js';
import { repairLedgerCommand } from './repair-ledger.js';
import { restoreCheckCommand } from './restore-check.js';
import { unstickJobCommand } from './unstick-job.js';

/** The commands docs/INCIDENT-PLAYBOOK.md runs. */
export const INCIDENT_COMMANDS: readonly OpsCommand[] = [
  checkLedgerCommand,
  repairLedgerCommand,
  rebuildBalancesCommand,
  jobsCommand,
  unstickJobCommand,
  conflictsCommand,
  databaseStatusCommand,
  restoreCheckCommand,
];
