// CPU time spent by this process and by the local PostgreSQL cluster: what each side of a scenario
// costs the machine, whatever else runs on it (ops/s on a shared 2-core machine follow the load).
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux */
const TICKS_PER_SECOND = 100;

/** utime + stime of one process in ms, undefined once it is gone */
function processCpuMs(pid: number): { parent: number; ms: number } | undefined {
  try {
    // the command name may hold spaces: the fields start after its closing parenthesis
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** the postmaster's pid where PG_DIR names the cluster infra/postgis.sh started; else undefined */
function postmasterPid(): number | undefined {
  const dir = process.env.PG_DIR;
  if (!dir) return undefined;
  try {
    return Number(readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  node: number;
  /** pid → CPU ms of the postmaster and its children (backends, autovacuum, …) */
  postgres?: Map<number, number>;
  /** pid → CPU ms of the peer server's processes (`peerRoot` and its children: lighttpd and its FastCGI MapServers) */
  peer?: Map<number, number>;
}

/** `peerRoot`: the pid of a peer server whose process and children are counted apart (the bench's MapServer) */
export function cpuSnapshot(peerRoot?: number): CpuSnapshot {
  const usage = process.cpuUsage();
  const node = (usage.user + usage.system) / 1000;
  const postmaster = postmasterPid();
  const peer = peerRoot === undefined ? undefined : new Map<number, number>();
  const postgres = postmaster === undefined || !Number.isFinite(postmaster) ? undefined : new Map<number, number>();
  if (!postgres && !peer) return { node };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = processCpuMs(pid);
    if (!cpu) continue;
    if (postgres && (pid === postmaster || cpu.parent === postmaster)) postgres.set(pid, cpu.ms);
    if (peer && (pid === peerRoot || cpu.parent === peerRoot)) peer.set(pid, cpu.ms);
  }
  return { node, ...(postgres ? { postgres } : {}), ...(peer ? { peer } : {}) };
}

/**
 * CPU ms spent between two snapshots: this process, and the cluster's processes where it is local
 * (a backend that exited in between is not counted; the bench's pooled backends live throughout)
 */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): { node: number; postgres?: number; peer?: number } {
  const node = after.node - before.node;
  const spent = (a?: Map<number, number>, b?: Map<number, number>) => {
    if (!a || !b) return undefined;
    let ms = 0;
    for (const [pid, value] of b) ms += value - (a.get(pid) ?? 0);
    return ms;
  };
  const postgres = spent(before.postgres, after.postgres);
  const peer = spent(before.peer, after.peer);
  return { node, ...(postgres === undefined ? {} : { postgres }), ...(peer === undefined ? {} : { peer }) };
}
