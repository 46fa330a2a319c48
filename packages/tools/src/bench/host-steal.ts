import { readFileSync } from 'node:fs';

/**
 * CPU time the hypervisor gave to other guests while ours wanted it ("steal" in /proc/stat). The
 * load average cannot see it: on a shared VM a neighbour's burst slowed every sender several-fold
 * for minutes (raw at 8 in flight from 3.1M to 1.1M events/s) while the load average stayed under
 * 1.5, and the rounds with 12-23 % steal were the slow ones.
 */

/** Cumulative ticks since boot: time spent running (user, nice, system, irq, softirq) and stolen. */
export interface CpuTicks {
  busy: number;
  steal: number;
}

/** The machine's CPU ticks now, or null where /proc/stat is not there (not Linux) or unreadable. */
export function readCpuTicks(path = '/proc/stat'): CpuTicks | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return parseCpuTicks(text);
}

/** The aggregate `cpu` line: user nice system idle iowait irq softirq steal ... */
export function parseCpuTicks(procStat: string): CpuTicks | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
  const [user, nice, system, , , irq, softirq, steal] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { busy: user + nice + system + irq + softirq, steal };
}

/** Percent of the CPU time wanted between two readings that was stolen; null without both readings or any time wanted. */
export function stealPercent(before: CpuTicks | null, after: CpuTicks | null): number | null {
  if (!before || !after) return null;
  const steal = after.steal - before.steal;
  const wanted = after.busy - before.busy + steal;
  return wanted > 0 ? (100 * steal) / wanted : null;
}

/** Above this much stolen time a measurement's figures move with the neighbours, not the code. */
export const STEAL_LIMIT_PERCENT = 5;

/**
 * The steal above which a measurement counts as disturbed, for measurements of one kind (one
 * in-flight count) whose steal was `steals`: 5 points over their quiet level (the lower
 * quartile; 5 % without readings). A quiet level exists because a VM counts the wake-up of a
 * halted vCPU as steal: at 1 in flight every round trip halts and wakes both processes, and quiet
 * rounds showed 10-17 % where rounds at 8 in flight showed 0-2 %.
 */
export function disturbedAbove(steals: readonly number[]): number {
  if (steals.length === 0) return STEAL_LIMIT_PERCENT;
  const sorted = [...steals].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 4)]! + STEAL_LIMIT_PERCENT;
}
