import { AbortError, FlumeRpcError } from '@flume-rpc/netty-compat';
import { forceCloseWhen } from '../calls/abortable.js';
import { appendChecked } from '../calls/append-checked.js';
import { callBudgetMs } from '../calls/call-budget.js';
import {
  AllHostsFailedError,
  CallTimeoutError,
  ClientBusyError,
  ClientClosedError,
  ConfigurationError,
  EventValidationError,
  HttpStatusError,
  asFlumeError,
} from '../errors.js';
import { type Acknowledge, DeliveryLedger, type LedgerCounters, sendInBatches } from '../calls/delivery-ledger.js';
import { type Event, toEventBatch, toWireEvent } from '../event.js';
import type { HostClient, HostEventRelay, HostSlot } from './host-slot.js';
import type { CloseOptions, SendOptions } from '../rpc-client.js';

/** What a failover or load-balancing client decides; the router does the sending. */
export interface RoutingPolicy {
  /** The hosts one call tries, in order (already cut to the number of attempts allowed). */
  order(): readonly HostSlot[];
  /** An attempt failed on `slot`; `counted` is true when it counted against the host (a new penalty). */
  onFailure(slot: HostSlot, error: FlumeRpcError, counted: boolean): void;
  /**
   * A call succeeded on `slot` after failing on `failures` (in the order tried; often none).
   * `current` is false for a call that was in flight when the host's last failure was recorded:
   * it says nothing about the host now.
   */
  onSuccess(slot: HostSlot, failures: ReadonlyArray<HostFailure>, current: boolean): void;
}

export interface HostFailure {
  slot: HostSlot;
  error: FlumeRpcError;
}

/** The router's own counters: the delivery half of ClientCounters and its resends (see ClientCounters). */
export type MultiHostCounters = LedgerCounters;

/** Where the router's events go: the multi-host client that owns it. */
export interface RouterEvents {
  /** A call failed on every host it tried (or was refused): the 'error' event. */
  error(error: FlumeRpcError): void;
  /** A host's connection event, forwarded. */
  host: HostEventRelay;
}

/**
 * The sending half shared by FailoverRpcClient and LoadBalancingRpcClient: checks events before
 * anything is sent, cuts lists into batches of batch-size, sends each batch whole to one host after
 * another in the policy's order until one acknowledges it, counts, and closes.
 */
export class HostRouter {
  private readonly ledger = new DeliveryLedger();
  private closing: Promise<void> | null = null;

  /** Fires when close is forced; every host's client is then forced too. */
  private readonly forced = new AbortController();

  constructor(
    readonly slots: readonly HostSlot[],
    private readonly policy: RoutingPolicy,
    readonly batchSize: number,
    private readonly name: string,
    /** One call's budget over every host it tries (call-timeout). */
    private readonly callTimeoutMs: number,
    private readonly events: RouterEvents,
  ) {
    for (const slot of slots) slot.relay = events.host;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  get counters(): MultiHostCounters {
    return this.ledger.counters;
  }

  append(event: Event, options: SendOptions = {}): Promise<void> {
    return this.track(1, () => {
      const wire = toWireEvent(event, 0);
      return this.route((client, timeoutMs) => client.append(wire, { signal: options.signal, timeoutMs }), 1, options);
    });
  }

  appendBatch(events: Event[], options: SendOptions = {}): Promise<void> {
    const count = Array.isArray(events) ? events.length : 0;
    return this.track(count, (acknowledge) =>
      sendInBatches(
        toEventBatch(events),
        this.batchSize,
        (chunk) =>
          this.route(
            (client, timeoutMs) => client[appendChecked](chunk, { signal: options.signal, timeoutMs }),
            chunk.length,
            options,
          ),
        acknowledge,
      ),
    );
  }

  /** Connects to the first host in the policy's order that answers the handshake. */
  connect(signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.route((client) => client.connect(signal), 0, { signal });
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.slots.map((slot) => slot.close({ signal: this.forced.signal })));
      await this.ledger.settled();
    })();
    forceCloseWhen(options, this.forced, this.closing);
    return this.closing;
  }

  private track(events: number, run: (acknowledge: Acknowledge) => Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.ledger.track(events, run, this.events.error);
  }

  /**
   * Sends one batch (or connects) to one host after another until one succeeds, all within one
   * budget (call-timeout): each host gets what the earlier ones left of it.
   */
  private async route(
    send: (client: HostClient, timeoutMs: number) => Promise<void>,
    events: number,
    options: SendOptions,
  ): Promise<void> {
    const { signal } = options;
    const budgetMs = callBudgetMs(options.timeoutMs, this.callTimeoutMs);
    const startedAt = Date.now();
    const failures: HostFailure[] = [];
    for (const slot of this.policy.order()) {
      if (this.closing) throw this.closedError();
      if (signal?.aborted) throw new AbortError(signal.reason);
      const remainingMs = startedAt + budgetMs - Date.now();
      if (remainingMs <= 0)
        throw new CallTimeoutError(this.name, budgetMs, Date.now() - startedAt, 'connecting', failures.at(-1)?.error);
      const token = slot.beginAttempt();
      try {
        const client = slot.obtain();
        this.ledger.counters.eventsSent += events;
        if (failures.length > 0) this.ledger.counters.eventsRetried += events;
        await send(client, remainingMs);
      } catch (err) {
        const error = asFlumeError(err);
        if (this.closing) {
          slot.abandoned(token);
          throw this.closedError(error);
        }
        // About the call, not the host: every host would refuse it alike (an HTTP source's 400 is a request it cannot read).
        if (
          error instanceof AbortError ||
          error instanceof EventValidationError ||
          error instanceof ConfigurationError ||
          (error instanceof HttpStatusError && error.status === 400)
        ) {
          slot.abandoned(token);
          throw error;
        }
        // Busy, or its client was being replaced, or the call waited on our own queue: nothing is wrong with the host itself.
        const penalise = !(
          error instanceof ClientBusyError ||
          error instanceof ClientClosedError ||
          (error instanceof CallTimeoutError && error.phase === 'queued')
        );
        const counted = slot.failed(token, error, penalise);
        this.ledger.counters.hostFailures += 1;
        failures.push({ slot, error });
        this.policy.onFailure(slot, error, counted);
        // The budget is shared: a host that used it up leaves none for the next.
        if (error instanceof CallTimeoutError) {
          const cause = asCause(error.cause) ?? failures.at(-2)?.error ?? null;
          throw new CallTimeoutError(slot.label, budgetMs, Date.now() - startedAt, error.phase, cause);
        }
        continue;
      }
      const current = slot.succeeded(token);
      this.policy.onSuccess(slot, failures, current);
      return;
    }
    throw new AllHostsFailedError(failures.map((f) => ({ host: f.slot.label, error: f.error })));
  }

  private closedError(cause?: unknown): ClientClosedError {
    return new ClientClosedError(`${this.name} is closed`, cause === undefined ? undefined : { cause });
  }
}

function asCause(cause: unknown): FlumeRpcError | null {
  return cause instanceof FlumeRpcError ? cause : null;
}
