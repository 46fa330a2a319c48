/**
 * serverMessage: Flume's reason for an error status, out of what Jetty sends for
 * response.sendError(code, message): the HTML page of Jetty 9.4.51 (the version Flume 1.11 ships;
 * as the fixture writes it and as written out here by hand from ErrorHandler's source), the page
 * of Jetty 9.4 before the table layout, Jetty's text/plain and JSON variants, and anything else a
 * proxy may answer, trimmed and capped.
 */
import t from 'tap';
import { SERVER_MESSAGE_MAX_CHARS, serverMessage } from '@flume-rpc/rpc-client/internal';
import { FLUME_MESSAGES, jettyErrorPage } from '../fixtures/index.js';

const HTML = 'text/html;charset=iso-8859-1';
const CHANNEL_FULL = FLUME_MESSAGES.channelFull + FLUME_MESSAGES.memoryChannelFull;

t.test('the fixture page of each HTTPSource answer gives back its message', async (t) => {
  const answers: Array<[number, string]> = [
    [400, FLUME_MESSAGES.badRequest],
    [500, FLUME_MESSAGES.deserializer + FLUME_MESSAGES.unsupportedCharset],
    [500, `${FLUME_MESSAGES.deserializer}null`],
    [500, `${FLUME_MESSAGES.unexpected}java.lang.IllegalStateException: closed`],
    [503, CHANNEL_FULL],
    [503, FLUME_MESSAGES.channelFull + FLUME_MESSAGES.transactionFull(100)],
  ];
  for (const [status, message] of answers) {
    t.equal(serverMessage(status, HTML, jettyErrorPage(status, message)), message, `${status} ${message.slice(0, 40)}`);
  }
});

t.test("Jetty 9.4.51's page, written out from ErrorHandler.writeErrorPage, with entities undone", async (t) => {
  const page = [
    '<html>',
    '<head>',
    '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
    '<title>Error 503 Error appending event to channel. Channel might be full.Space for commit to queue couldn&apos;t be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight</title>',
    '</head>',
    '<body><h2>HTTP ERROR 503 Error appending event to channel. Channel might be full.Space for commit to queue couldn&apos;t be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight</h2>',
    '<table>',
    '<tr><th>URI:</th><td>/</td></tr>',
    '<tr><th>STATUS:</th><td>503</td></tr>',
    '<tr><th>MESSAGE:</th><td>Error appending event to channel. Channel might be full.Space for commit to queue couldn&apos;t be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight</td></tr>',
    '<tr><th>SERVLET:</th><td>org.apache.flume.source.http.HTTPSource$FlumeHTTPServlet-6a2b953e</td></tr>',
    '</table>',
    '<hr><a href="https://eclipse.org/jetty">Powered by Jetty:// 9.4.51.v20230217</a><hr/>',
    '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  t.equal(serverMessage(503, HTML, page), CHANNEL_FULL);
  t.equal(
    jettyErrorPage(503, CHANNEL_FULL).replace(/-[0-9a-f]{8}</, '-6a2b953e<'),
    page,
    'the fixture writes the same page',
  );
});

t.test('the page of Jetty 9.4 before its table layout (Reason: <pre>)', async (t) => {
  const page =
    '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n' +
    '<title>Error 400 Bad request from client. Request has invalid JSON Syntax.</title>\n</head>\n' +
    '<body><h2>HTTP ERROR 400</h2>\n<p>Problem accessing /. Reason:\n' +
    '<pre>    Bad request from client. Request has invalid JSON Syntax.</pre></p>' +
    '<hr><a href="http://eclipse.org/jetty">Powered by Jetty:// 9.4.6.v20170531</a><hr/>\n\n</body>\n</html>\n';
  t.equal(serverMessage(400, HTML, page), FLUME_MESSAGES.badRequest);
});

t.test("Jetty's text/plain and JSON error bodies (for Accept: text/plain or application/json)", async (t) => {
  const plain =
    'HTTP ERROR 400 Bad request from client. Request has invalid JSON Syntax.\nURI: /\nSTATUS: 400\n' +
    'MESSAGE: Bad request from client. Request has invalid JSON Syntax.\nSERVLET: org.apache.flume.source.http.HTTPSource$FlumeHTTPServlet-6a2b953e\n';
  t.equal(serverMessage(400, 'text/plain;charset=iso-8859-1', plain), FLUME_MESSAGES.badRequest);
  // ErrorHandler.writeErrorJson sanitizes the values as XML too, so the apostrophe comes as &apos;.
  const json = `{\n"url":"/",\n"status":"503",\n"message":"${CHANNEL_FULL.replace("'", '&apos;')}"\n}`;
  t.equal(serverMessage(503, 'application/json', json), CHANNEL_FULL);
});

t.test("a title-only page gives the title's text after 'Error <status>'; other HTML its text", async (t) => {
  t.equal(
    serverMessage(503, HTML, '<html><head><title>Error 503 Busy &amp; full</title></head></html>'),
    'Busy & full',
  );
  const nginx =
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  t.equal(serverMessage(502, 'text/html', nginx), '502 Bad Gateway');
  t.equal(serverMessage(500, 'text/html', '<p>Oops: <b>down</b> &#x263a; &#9731;</p>'), 'Oops: down ☺ ☃');
  t.equal(
    serverMessage(500, 'text/html', '<p>&constructor; &bogus; &#xFFFFFFF;</p>'),
    '&constructor; &bogus; &#xFFFFFFF;',
    'unknown entities stay',
  );
});

t.test('an HTML page is recognized even without an HTML Content-Type', async (t) => {
  t.equal(serverMessage(400, undefined, jettyErrorPage(400, FLUME_MESSAGES.badRequest)), FLUME_MESSAGES.badRequest);
});

t.test('plain text is trimmed with its whitespace collapsed; nothing is an empty message', async (t) => {
  t.equal(serverMessage(502, 'text/plain', '  upstream\r\n   connect error \n'), 'upstream connect error');
  t.equal(serverMessage(503, undefined, ''), '');
  t.equal(serverMessage(503, 'text/html', '   '), '');
  t.equal(serverMessage(500, 'application/json', '{"error":"x"}'), '{"error":"x"}', 'JSON without a message: as it is');
  t.equal(serverMessage(500, 'application/json', 'not json'), 'not json');
});

t.test(`a long message is capped at ${SERVER_MESSAGE_MAX_CHARS} characters`, async (t) => {
  const long = 'x'.repeat(5000);
  const capped = serverMessage(500, 'text/plain', long);
  t.equal(capped.length, SERVER_MESSAGE_MAX_CHARS);
  t.ok(capped.endsWith('…'));
  t.equal(serverMessage(500, HTML, jettyErrorPage(500, long)).length, SERVER_MESSAGE_MAX_CHARS, 'from a page too');
  t.equal(serverMessage(503, HTML, jettyErrorPage(503, CHANNEL_FULL)), CHANNEL_FULL, 'the longest Flume message fits');
});
