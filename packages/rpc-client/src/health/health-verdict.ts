/**
 * Turning channel fill levels into a verdict with a one-line reason. Pure, so the wording and the
 * threshold's edge (strictly above is unhealthy) are tested without a server.
 */

export interface Verdict {
  healthy: boolean;
  /** One line: which channel is too full, or that all are fine, or why the metrics are missing. */
  reason: string;
}

/** Healthy unless some channel is filled strictly above `maxChannelFill` percent. */
export function judgeChannels(fill: ReadonlyMap<string, number>, maxChannelFill: number): Verdict {
  const limit = formatPercent(maxChannelFill);
  if (fill.size === 0) return { healthy: true, reason: 'no channels reported' };
  const over = [...fill].filter(([, percent]) => percent > maxChannelFill).sort(([, a], [, b]) => b - a);
  if (over.length === 0) return { healthy: true, reason: `all channels at or below ${limit}` };
  const listed = over.map(([name, percent]) => describeFill(name, percent, maxChannelFill)).join(', ');
  return { healthy: false, reason: `${over.length === 1 ? 'channel' : 'channels'} ${listed} > ${limit}` };
}

/** Too many polls failed in a row: the agent may be down, and a down agent is no place to send. */
export function unreachable(consecutiveFailures: number, error: string): Verdict {
  return { healthy: false, reason: `metrics unreachable for ${consecutiveFailures} polls: ${error}` };
}

/** The reason while failures are still below the threshold: the standing verdict, plus the news. */
export function standingDespiteFailure(
  standing: Verdict,
  consecutiveFailures: number,
  failuresBeforeUnhealthy: number,
  error: string,
): string {
  return `${standing.reason}; poll failed (${consecutiveFailures} of ${failuresBeforeUnhealthy} before unhealthy): ${error}`;
}

/**
 * Flume reports Double.MAX_VALUE for a channel of capacity 0, which no real fill can reach; a
 * percentage like "1.7976931348623157e+308%" would only puzzle the reader.
 */
function describeFill(name: string, percent: number, maxChannelFill: number): string {
  if (percent >= Number.MAX_VALUE) return `${name} not started (capacity 0)`;
  return `${name} at ${formatPercentAbove(percent, maxChannelFill)}`;
}

function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(2))}%`;
}

/** Two decimals, unless rounding would make a value just above the limit print as the limit itself. */
function formatPercentAbove(percent: number, limit: number): string {
  const rounded = formatPercent(percent);
  return rounded === formatPercent(limit) ? `${percent}%` : rounded;
}
