import type { AvroFlumeEvent, AvroSourceHandlers, Status } from '@flume-rpc/netty-compat';
import type { Event } from '@flume-rpc/rpc-client';

/** The header that names each chaos event; the servers read it back to know what they stored. */
export const CHAOS_ID_HEADER = 'chaos-id';

/** What the ledger knows once every call has settled. Every figure counts events. */
export interface Reconciliation {
  /** Distinct events handed out by events(). */
  issued: number;
  /** Distinct events some call was acknowledged for. */
  acknowledged: number;
  /** Distinct events some server stored. */
  stored: number;
  /** Acknowledged but stored nowhere: lost. Must be 0. */
  missing: number;
  /** Stored more than once (on one server or several). */
  duplicates: number;
  /** Copies stored beyond the first of each event. */
  extraCopies: number;
  /** Stored under an id never handed out (a corrupted event that still decoded). Must be 0. */
  unknown: number;
  /** Stored without the id header at all. Must be 0. */
  untagged: number;
}

/**
 * The delivery ledger of a fault run: every event carries a unique id in a header, the caller
 * records which ones a call acknowledged, the servers' handlers record which ones they stored,
 * and reconcile() compares the two. The client's own counters cannot show a loss (it only knows
 * what it was told); this can.
 */
export class ChaosLedger {
  private issuedCount = 0;
  private readonly acked = new Set<string>();
  private readonly copies = new Map<string, number>();
  private untaggedCount = 0;

  /** `prefix` keeps ids of two ledgers (or two runs) apart. */
  constructor(private readonly prefix = 'c') {}

  /** `count` new events, each with its own id and a body of `bodyBytes` bytes. */
  events(count: number, bodyBytes = 64): Event[] {
    const out: Event[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = `${this.prefix}${this.issuedCount++}`;
      out.push({ headers: { [CHAOS_ID_HEADER]: id }, body: Buffer.alloc(bodyBytes, id) });
    }
    return out;
  }

  /** The caller was told these events were delivered. */
  acknowledge(events: readonly Event[]): void {
    for (const event of events) this.acked.add(idOf(event));
  }

  /** A server committed these events. */
  store(events: readonly AvroFlumeEvent[]): void {
    for (const event of events) {
      const id = event.headers[CHAOS_ID_HEADER];
      if (id === undefined) this.untaggedCount += 1;
      else this.copies.set(id, (this.copies.get(id) ?? 0) + 1);
    }
  }

  /** Server handlers that store every event and answer OK, as a Flume source with a working channel. */
  handlers(): AvroSourceHandlers {
    const ok: Status = 'OK';
    return {
      append: (event) => {
        this.store([event]);
        return ok;
      },
      appendBatch: (events) => {
        this.store(events);
        return ok;
      },
    };
  }

  get acknowledgedCount(): number {
    return this.acked.size;
  }

  reconcile(): Reconciliation {
    let missing = 0;
    for (const id of this.acked) if (!this.copies.has(id)) missing += 1;
    let duplicates = 0;
    let extraCopies = 0;
    let unknown = 0;
    for (const [id, count] of this.copies) {
      if (count > 1) {
        duplicates += 1;
        extraCopies += count - 1;
      }
      if (!this.wasIssued(id)) unknown += 1;
    }
    return {
      issued: this.issuedCount,
      acknowledged: this.acked.size,
      stored: this.copies.size,
      missing,
      duplicates,
      extraCopies,
      unknown,
      untagged: this.untaggedCount,
    };
  }

  private wasIssued(id: string): boolean {
    if (!id.startsWith(this.prefix)) return false;
    const rest = id.slice(this.prefix.length);
    return /^\d+$/.test(rest) && Number(rest) < this.issuedCount;
  }
}

function idOf(event: Event): string {
  const id = event.headers[CHAOS_ID_HEADER];
  if (id === undefined)
    throw new Error('An event without a chaos id was acknowledged: it was not made by ChaosLedger.events()');
  return id;
}

/** One line for logs and test comments. */
export function describeReconciliation(r: Reconciliation): string {
  return `issued ${r.issued}, acknowledged ${r.acknowledged}, stored ${r.stored}, missing ${r.missing}, duplicates ${r.duplicates} (${r.extraCopies} extra copies), unknown ${r.unknown}, untagged ${r.untagged}`;
}
