/**
 * The CPU a benchmarked server spends, from Linux's `/proc`: the figure that compares across
 * runs on a shared machine where req/s does not (a busy neighbour slows every request, but
 * barely changes the CPU each one costs).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks a second of `/proc/<pid>/stat` (`getconf CLK_TCK`: 100 on Linux). */
const TICKS = 100;

/** User + system CPU time the process has spent so far, in ms (10 ms steps). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/**
 * CPU time so far of each PostgreSQL backend serving `database` (ms, by pid): the server
 * processes whose title names that database (`postgres: 15/main: <user> <database> <client>
 * <state>`), on this machine. Background processes (WAL writer, checkpointer) and parallel
 * workers are not among them.
 */
export function databaseCpu(database: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!title.startsWith('postgres: ') || !title.split(' ').includes(database)) continue;
      byPid.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // exited meanwhile
    }
  }
  return byPid;
}

/**
 * The CPU the backends spent between two `databaseCpu` readings: each one's growth, a backend
 * started in between counted whole. A backend that exited in between is not counted (its
 * time is gone from /proc): an undercount, never a negative figure.
 */
export function databaseCpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** The inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (!local || state !== '0A' || !inode) continue; // 0A: LISTEN
      if (parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(inode);
    }
  }
  return inodes;
}

/**
 * Throws unless process `pid` itself holds the socket listening on `port`: the CPU read from
 * `/proc/<pid>/stat` must be the serving process's, not a wrapper's (an npm or shell process,
 * a launcher that spawns the real binary) that sleeps while its child works.
 */
export function assertListens(pid: number, port: number, label: string): void {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) throw new Error(`${label}: nothing listens on port ${port}`);
  const held = readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return match !== null && inodes.has(match[1]!);
    } catch {
      return false; // closed meanwhile
    }
  });
  if (!held) throw new Error(`${label}: process ${pid} does not hold the socket listening on port ${port} (a wrapper around the server?)`);
}
