/**
 * What Flume's JSONHandler accepts: a JSON array of `{headers, body}` objects, headers a map of
 * strings and body a string. Returns the number of events, or null when the text is not such an
 * array (the source then answers 400 and commits nothing).
 */
export function countJsonEvents(text: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  for (const event of parsed) {
    if (!isJsonEvent(event)) return null;
  }
  return parsed.length;
}

function isJsonEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { headers, body } = value as { headers?: unknown; body?: unknown };
  // Gson leaves a missing field null; JSONHandler then sends an event with no headers or an empty body.
  if (body !== undefined && body !== null && typeof body !== 'string') return false;
  if (headers === undefined || headers === null) return true;
  if (typeof headers !== 'object' || Array.isArray(headers)) return false;
  return Object.values(headers).every((header) => typeof header === 'string');
}
