import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';

export type Phase = 'warmup' | 'outage' | 'recovery';

export interface Sample {
  /** Since the sampler started. */
  tMs: number;
  phase: Phase;
  rssMb: number;
  heapUsedMb: number;
  /** Event-loop delay since the previous sample. */
  loopP99Ms: number;
  loopMaxMs: number;
  eventsAcknowledged: number;
  eventsFailed: number;
}

export interface SampleStats {
  samples: number;
  rssFirstMb: number;
  rssLastMb: number;
  rssMaxMb: number;
  heapFirstMb: number;
  heapLastMb: number;
  heapMaxMb: number;
  /** The worst of the per-sample p99s, and the worst delay seen. */
  loopP99MaxMs: number;
  loopMaxMs: number;
}

const MB = 1024 * 1024;
const NS_PER_MS = 1e6;
/**
 * The monitor's timer period. What it records is the time between its timer's runs, period
 * included (an idle loop reads about 10 ms), so the period is taken off to leave the delay.
 */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/**
 * Samples memory and event-loop delay at a fixed interval, each sample tagged with the phase it
 * closes. The delay histogram is reset at every sample, so each p99 is that interval's own.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private current: Phase = 'warmup';
  private timer: NodeJS.Timeout | undefined;
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  private started = 0;

  constructor(
    private readonly everyMs: number,
    private readonly counters: () => { eventsAcknowledged: number; eventsFailed: number },
  ) {}

  get phase(): Phase {
    return this.current;
  }

  start(phase: Phase): void {
    this.current = phase;
    this.started = performance.now();
    this.delay.enable();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  /** Closes the current phase with a sample, so no interval straddles two phases. */
  setPhase(phase: Phase): void {
    this.sample();
    this.current = phase;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    this.delay.disable();
  }

  private sample(): void {
    const memory = process.memoryUsage();
    const counters = this.counters();
    // An interval with no delay recorded yet (right after a reset) reads as 0, not as the histogram's sentinel.
    const recorded = this.delay.count > 0;
    this.samples.push({
      tMs: Math.round(performance.now() - this.started),
      phase: this.current,
      rssMb: memory.rss / MB,
      heapUsedMb: memory.heapUsed / MB,
      loopP99Ms: recorded ? beyondPeriod(this.delay.percentile(99)) : 0,
      loopMaxMs: recorded ? beyondPeriod(this.delay.max) : 0,
      eventsAcknowledged: counters.eventsAcknowledged,
      eventsFailed: counters.eventsFailed,
    });
    this.delay.reset();
  }
}

function beyondPeriod(ns: number): number {
  return Math.max(0, ns / NS_PER_MS - LOOP_DELAY_RESOLUTION_MS);
}

export function statsOf(samples: Sample[], phase: Phase): SampleStats {
  const own = samples.filter((s) => s.phase === phase);
  const first = own[0];
  const last = own[own.length - 1];
  const max = (pick: (s: Sample) => number): number => (own.length > 0 ? Math.max(...own.map(pick)) : Number.NaN);
  return {
    samples: own.length,
    rssFirstMb: first?.rssMb ?? Number.NaN,
    rssLastMb: last?.rssMb ?? Number.NaN,
    rssMaxMb: max((s) => s.rssMb),
    heapFirstMb: first?.heapUsedMb ?? Number.NaN,
    heapLastMb: last?.heapUsedMb ?? Number.NaN,
    heapMaxMb: max((s) => s.heapUsedMb),
    loopP99MaxMs: max((s) => s.loopP99Ms),
    loopMaxMs: max((s) => s.loopMaxMs),
  };
}
