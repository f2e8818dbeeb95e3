// The server build (tsc) emits only JavaScript; the SQL migrations travel beside it.
// The folder is emptied first, so a renamed or removed file never lingers in dist/.
// The common-password list read by src/modules/auth/password-policy.ts travels too.
import { cpSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist/db/migrations', { recursive: true, force: true });
mkdirSync('dist/db/migrations', { recursive: true });
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
mkdirSync('dist/modules/auth', { recursive: true });
cpSync('src/modules/auth/common-passwords.txt', 'dist/modules/auth/common-passwords.txt');
