import { setImmediate as yieldToLoop } from 'node:timers/promises';

interface Tally {
  calls: number;
  failed: number;
}

/**
 * An application's producer: `loops` concurrent loops, each awaiting its call and going straight
 * on to the next one, failed or not. It can be paused (nothing in flight) and stopped; each loop
 * is bounded by maxCallsPerLoop and by stop(). Calls are tallied under the phase they started in.
 */
export class Producer {
  private stopping = false;
  private inFlight = 0;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private done: Promise<void> = Promise.resolve();
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly call: () => Promise<void>,
    private readonly loops: number,
    private readonly maxCallsPerLoop: number,
    private readonly phase: () => string,
  ) {}

  get outstanding(): number {
    return this.inFlight;
  }

  start(): void {
    this.done = Promise.all(Array.from({ length: this.loops }, () => this.loop())).then(() => undefined);
  }

  /** Holds every loop before its next call; true once nothing is in flight, false if the bound ran out. */
  async pause(boundMs: number): Promise<boolean> {
    if (!this.gate) {
      let open = (): void => undefined;
      const promise = new Promise<void>((resolve) => (open = resolve));
      this.gate = { promise, open };
    }
    return this.settled(boundMs);
  }

  resume(): void {
    this.gate?.open();
    this.gate = null;
  }

  /** Ends every loop after its current call; true when all ended within the bound. */
  async stop(boundMs: number): Promise<boolean> {
    this.stopping = true;
    this.resume();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)));
    try {
      return await Promise.race([this.done.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  callsIn(phase: string): number {
    return this.tallies.get(phase)?.calls ?? 0;
  }

  failedIn(phase: string): number {
    return this.tallies.get(phase)?.failed ?? 0;
  }

  summary(): Record<string, Tally> {
    return Object.fromEntries(this.tallies);
  }

  private async loop(): Promise<void> {
    for (let i = 0; i < this.maxCallsPerLoop && !this.stopping; i += 1) {
      if (this.gate) await this.gate.promise;
      if (this.stopping) return;
      const tally = this.tally(this.phase());
      tally.calls += 1;
      this.inFlight += 1;
      try {
        await this.call();
      } catch {
        tally.failed += 1;
        // A client that rejected at once would otherwise keep this loop in microtasks and starve
        // the timers (sampling, the end of the outage): one turn of the event loop per failure.
        await yieldToLoop();
      } finally {
        this.inFlight -= 1;
      }
    }
  }

  private async settled(boundMs: number): Promise<boolean> {
    // Polled: at most boundMs / 5 ms iterations.
    const deadline = Date.now() + boundMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.inFlight === 0;
  }

  private tally(phase: string): Tally {
    let tally = this.tallies.get(phase);
    if (!tally) {
      tally = { calls: 0, failed: 0 };
      this.tallies.set(phase, tally);
    }
    return tally;
  }
}
