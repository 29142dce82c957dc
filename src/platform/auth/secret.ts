import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../../config.js';

/**
 * The key bearer tokens are signed with. `JWT_SECRET` when set. On the embedded database,
 * otherwise, generated once and kept in `DATA_DIR/jwt-secret` (so `gridhub token` works
 * beside a running hub). With `DATABASE_URL` it must be set: every process behind the load
 * balancer has to share it, and a generated one would differ per machine.
 */
export function resolveJwtSecret(config: Config): string {
  if (config.jwtSecret) {
    if (config.jwtSecret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
    return config.jwtSecret;
  }
  if (config.databaseUrl) {
    throw new ConfigError(
      'JWT_SECRET is not set. With DATABASE_URL every hub process must share one signing key: ' +
        'set JWT_SECRET to a random string of 32+ characters (e.g. `openssl rand -hex 32`).',
    );
  }
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, 'jwt-secret');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    writeFileSync(path, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}
