/**
 * The reason a Flume HTTP source gave for an error status. The source answers errors through
 * Jetty's `sendError(code, message)`, whose error page carries Flume's message (for example
 * "Error appending event to channel. Channel might be full.<channel's reason>") inside HTML, so
 * the message is dug out of the page instead of quoting the page whole.
 */

/** Longest message kept: enough for Flume's longest (the channel-full text), short enough for a log line. */
export const SERVER_MESSAGE_MAX_CHARS = 300;

/**
 * Flume's message from an error answer: the MESSAGE row of a Jetty 9.4 error page (or the reason
 * of older Jetty pages, or the message of Jetty's text and JSON variants), else the body's text,
 * whitespace collapsed. Capped at SERVER_MESSAGE_MAX_CHARS; '' when the body says nothing.
 */
export function serverMessage(status: number, contentType: string | undefined, body: string): string {
  const type = (contentType ?? '').toLowerCase();
  const message =
    type.includes('html') || /^\s*<(!doctype|html)/i.test(body)
      ? fromHtmlPage(status, body)
      : type.includes('json')
        ? fromJson(body)
        : fromPlainText(body);
  return cap(collapse(message ?? body));
}

/**
 * Jetty 9.4.15 and later: `<tr><th>MESSAGE:</th><td>…</td></tr>`; before that:
 * `Reason:\n<pre>    …</pre>`; the title `Error <status> <message>` as a last resort. Any other
 * HTML loses its tags.
 */
function fromHtmlPage(status: number, body: string): string {
  const row = /<tr><th>MESSAGE:<\/th><td>([\s\S]*?)<\/td><\/tr>/i.exec(body);
  if (row) return unescapeHtml(row[1] as string);
  const reason = /Reason:\s*<pre>([\s\S]*?)<\/pre>/i.exec(body);
  if (reason) return unescapeHtml(reason[1] as string);
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body);
  if (title) {
    const text = unescapeHtml(title[1] as string).trim();
    const prefix = `Error ${status}`;
    if (text.startsWith(prefix)) return text.slice(prefix.length);
    return text;
  }
  return unescapeHtml(body.replace(/<[^>]*>/g, ' '));
}

/** Jetty's JSON error body: `{"url": …, "status": …, "message": …}`. */
function fromJson(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      const { message } = parsed;
      if (typeof message === 'string') return unescapeHtml(message);
    }
  } catch {
    // Not JSON after all: the text as it is.
  }
  return null;
}

/** Jetty's text/plain error body has a `MESSAGE: …` line; any other text is the message. */
function fromPlainText(body: string): string {
  const line = /^MESSAGE: (.*)$/m.exec(body);
  return line ? (line[1] as string) : body;
}

const ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
]);

/** Jetty escapes & < > " ' in the message (StringUtil.sanitizeXmlString); numeric references for good measure. */
function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity: string, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return ENTITIES.get(name.toLowerCase()) ?? entity;
  });
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cap(text: string): string {
  return text.length <= SERVER_MESSAGE_MAX_CHARS ? text : `${text.slice(0, SERVER_MESSAGE_MAX_CHARS - 1)}…`;
}
