// The server build (tsc) emits only JavaScript; the SQL migrations travel beside it.
// The folder is emptied first, so a renamed or removed file never lingers in dist/.
import { cpSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist/db/migrations', { recursive: true, force: true });
mkdirSync('dist/db/migrations', { recursive: true });
cpSync('src/db/migrations', 'dist/db/migrations', { recursive: true });
