import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL cluster of the test's own, made with Debian's initdb and pg_ctl in a temporary
 * directory on a free port (trust authentication, 127.0.0.1 only), so that a test can stop and
 * start a server without touching the machine's shared one. As root, the binaries run as the
 * `postgres` user, who then owns the directory (PostgreSQL refuses to run as root).
 */
export interface PrivateCluster {
  readonly port: number;
  readonly dir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** `pg_ctl stop -m fast`: connections are ended (57P01), the server is gone once it returns. */
  stop(): void;
  start(): void;
  /** Stops the server if it runs, and deletes the directory. */
  destroy(): void;
}

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL binary (as `postgres` when we are root); throws with its output when it fails. */
function run(binary: string, args: readonly string[]): void {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args]] : [join(PG_BIN, binary), [...args]];
  const result = spawnSync(command as string, argv as string[], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}${result.error?.message ?? ''}`);
}

/** A temporary directory (owned by `postgres` when we are root) for a cluster's files. */
function clusterDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridhub-pg-'));
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  return dir;
}

/** The cluster whose data directory is `<dir>/data`, served on `port`; started before it is returned. */
function startCluster(dir: string, port: number): PrivateCluster {
  const data = join(dir, 'data');
  // The socket lives in the directory (not /var/run/postgresql, which the shared server uses).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const cluster: PrivateCluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    start: () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', 'start']),
    destroy: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Not running.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    cluster.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}

/** initdb then start; the caller creates its databases through `url('postgres')`. */
export async function createPrivateCluster(): Promise<PrivateCluster> {
  const dir = clusterDir();
  const port = await freePort();
  run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  return startCluster(dir, port);
}

/**
 * A streaming replica of `primary` on another free port: `pg_basebackup -R` copies the primary
 * (wal_level=replica and replication connections from 127.0.0.1 are initdb's defaults) and
 * writes the standby settings, then the copy starts as a hot standby replaying the primary's WAL.
 */
export async function createReplicaCluster(primary: PrivateCluster): Promise<PrivateCluster> {
  const dir = clusterDir();
  const port = await freePort();
  try {
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', join(dir, 'data'), '-R', '-X', 'stream', '-c', 'fast']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return startCluster(dir, port);
}
