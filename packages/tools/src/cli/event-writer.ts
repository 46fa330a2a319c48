import type { AvroFlumeEvent } from '@flume-rpc/netty-compat';

/**
 * Events formatted and written per slice: a batch of 100 000 events is formatted a few thousand
 * at a time, so the text held at once stays small, and the event loop gets a turn between slices
 * (setImmediate: a write to a pipe or file can complete synchronously, and its callback alone would
 * not let other connections be read).
 */
export const EVENTS_PER_WRITE = 2_000;

export async function writeEvents(
  stream: NodeJS.WritableStream,
  events: readonly AvroFlumeEvent[],
  format: (event: AvroFlumeEvent) => string,
): Promise<void> {
  for (let start = 0; start < events.length; start += EVENTS_PER_WRITE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(events.length, start + EVENTS_PER_WRITE);
    let text = '';
    for (let i = start; i < end; i += 1) text += format(events[i]!);
    await write(stream, text);
  }
}

/** Writes and waits until the stream took it (its callback), which also honours backpressure. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.write(text, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
