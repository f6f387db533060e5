import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU times of one process from /proc/<pid>/stat, in clock ticks. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly utime: number;
  readonly stime: number;
  /** Times of children this process has waited for (exited PostgreSQL backends end up here). */
  readonly cutime: number;
  readonly cstime: number;
}

/** CPU seconds per process group, at one instant. */
export interface CpuSnapshot {
  readonly node: number;
  readonly java: number;
  readonly postgres: number;
}

export interface MemorySample {
  readonly rssMb: number;
  /** Peak resident set size of the process so far (VmHWM). */
  readonly hwmMb: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ everywhere that matters
    }
  }
  return ticksPerSecond;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseProcStat(pid: number, text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (i: number) => Number(fields[i]);
  return { pid, ppid: field(1), utime: field(11), stime: field(12), cutime: field(13), cstime: field(14) };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readMemory(pid: number): MemorySample | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

const seconds = (ticks: number) => ticks / clockTicks();
const own = (s: ProcStat | undefined) => (s ? s.utime + s.stime : 0);
const withReaped = (s: ProcStat | undefined) => (s ? s.utime + s.stime + s.cutime + s.cstime : 0);

/**
 * CPU seconds used so far by the node process under test, the JVMs (Kafka, registry) and PostgreSQL (the
 * postmaster with the children it reaped, plus its live children). Deltas between two snapshots give an arm's CPU.
 */
export function cpuSnapshot(
  nodePid: number | undefined,
  javaPids: readonly number[],
  postgresPid: number | undefined,
): CpuSnapshot {
  const stats = postgresPid === undefined ? [] : allStats();
  const postgresTicks =
    postgresPid === undefined
      ? 0
      : withReaped(readProcStat(postgresPid)) +
        stats.filter((s) => s.ppid === postgresPid).reduce((sum, s) => sum + withReaped(s), 0);
  return {
    node: nodePid === undefined ? 0 : seconds(own(readProcStat(nodePid))),
    java: seconds(javaPids.reduce((sum, pid) => sum + own(readProcStat(pid)), 0)),
    postgres: seconds(postgresTicks),
  };
}

export function cpuDelta(from: CpuSnapshot, to: CpuSnapshot): CpuSnapshot {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    node: round(to.node - from.node),
    java: round(to.java - from.java),
    postgres: round(to.postgres - from.postgres),
  };
}
