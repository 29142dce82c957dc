// Fails when the drizzle tables and migrations/ disagree: generates into a scratch copy of
// migrations/ and requires drizzle-kit to say it found nothing to write. (drizzle-kit exits 0
// on some errors, so its words are checked, not only its exit code.)
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

// drizzle-kit prefixes `./` to the out folder: it must be relative to the project.
const scratch = `.tmp/migrations-check-${process.pid}`;
try {
  mkdirSync(scratch, { recursive: true });
  cpSync('migrations', scratch, { recursive: true });
  const run = spawnSync(process.execPath, ['node_modules/drizzle-kit/bin.cjs', 'generate'], {
    env: { ...process.env, DRIZZLE_OUT: scratch },
    encoding: 'utf8',
  });
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0 || !/No schema changes/.test(output)) {
    console.error(output.trim());
    console.error('\nmigrations/ is behind the tables: run `npm run db:generate` and commit the new migration');
    process.exit(1);
  }
  console.log('migrations/ matches the tables');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
