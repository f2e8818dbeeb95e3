// The server build (tsc) emits only JavaScript; the SQL migrations and the common-password
// list read by src/modules/auth/password-policy.ts travel beside it. The migrations folder is
// emptied first, so a renamed or removed file never lingers. The target is dist/ unless a
// folder is given (the benchmark builds into a private one).
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const target = process.argv[2] ?? 'dist';
rmSync(`${target}/db/migrations`, { recursive: true, force: true });
mkdirSync(`${target}/db/migrations`, { recursive: true });
cpSync('src/db/migrations', `${target}/db/migrations`, { recursive: true });
mkdirSync(`${target}/modules/auth`, { recursive: true });
cpSync('src/modules/auth/common-passwords.txt', `${target}/modules/auth/common-passwords.txt`);
