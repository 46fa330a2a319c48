/** Medians, ratios and the way the throughput scenarios print figures: shared so every table reads alike. */

/** a / b, or 0 when b is not a positive figure (a missing median makes a ratio that meets no target). */
export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatRate(eventsPerSecond: number): string {
  return eventsPerSecond >= 1e6 ? `${(eventsPerSecond / 1e6).toFixed(2)}M` : `${(eventsPerSecond / 1e3).toFixed(1)}k`;
}

export function formatRatio(r: number): string {
  return `${r.toFixed(2)}x`;
}

export function formatPercent(r: number): string {
  return `${(r * 100).toFixed(0)}%`;
}

export function formatMicros(micros: number): string {
  return `${micros.toFixed(0)}µs`;
}
