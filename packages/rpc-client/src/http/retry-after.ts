/**
 * A Retry-After header (RFC 9110): delta-seconds or an HTTP date, as the delay in ms from `now`
 * (0 for a date already past); null when absent or unreadable, so the client's own backoff applies.
 */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
