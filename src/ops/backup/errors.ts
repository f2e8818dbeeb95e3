/**
 * Why a backup or a restore did not happen, with a stable code a script can test and a
 * message an operator can act on (which package to install, which flag to add). Messages
 * never hold a password: targets are named by host, port and database only.
 */
export type BackupErrorCode =
  | 'tool_missing'
  | 'tool_too_old'
  | 'tool_failed'
  | 'database_unreachable'
  | 'file_unreadable'
  | 'file_exists'
  | 'checksum_mismatch'
  | 'archive_invalid'
  | 'target_not_empty'
  | 'target_newer_than_backup'
  | 'target_missing'
  | 'restore_failed';

export class BackupError extends Error {
  override name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}
