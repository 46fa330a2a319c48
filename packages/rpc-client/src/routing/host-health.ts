import type { HealthPolicy } from '../config/health-options.js';
import type { HostAddress } from '../config/config.js';
import { type HealthReading, HealthMonitor } from '../health/health-monitor.js';
import type { HostSlot } from './host-slot.js';

/** Where a multi-host client hears of a host whose health verdict changed (and of each host's first reading). */
export type HealthListener = (host: HostAddress, reading: HealthReading) => void;

/**
 * Starts one HealthMonitor per host that has a metrics URL (`health.<alias>`) and hands it to the
 * host's slot, which then counts as unavailable while it is unhealthy. The slot stops it on close.
 */
export function watchHealth(slots: readonly HostSlot[], policy: HealthPolicy | null, listener: HealthListener): void {
  if (policy === null) return;
  for (const slot of slots) {
    const url = policy.urls[slot.host.alias];
    if (url === undefined) continue;
    const monitor = new HealthMonitor({
      url,
      intervalMs: policy.intervalMs,
      timeoutMs: policy.timeoutMs,
      maxChannelFill: policy.maxChannelFill,
      failuresBeforeUnhealthy: policy.failuresBeforeUnhealthy,
      onReading: (reading, changed) => {
        if (changed) listener(slot.host, reading);
      },
    });
    slot.watch(monitor);
    monitor.start();
  }
}
