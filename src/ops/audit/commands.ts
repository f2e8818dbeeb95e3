import type { OpsCommand } from '../command.js';
import { balanceAtCommand } from './balance-at.js';
import { traceTransferCommand } from './trace-transfer.js';

/** The commands docs/AUDITABILITY.md runs. */
export const AUDIT_COMMANDS: readonly OpsCommand[] = [balanceAtCommand, traceTransferCommand];
