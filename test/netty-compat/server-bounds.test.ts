/**
 * AvroSourceServer cannot be exhausted by its peers: handshake, idle and frame-read timeouts,
 * the connection cap, the server-wide bound on bytes of unfinished frames, and the cap on events
 * per appendBatch. Each closes (or refuses) the offender only, says why in a typed error, counts
 * it, and the server goes on serving a normal client. Timeouts here are a few hundred ms.
 */
import t, { type Test } from 'tap';
import {
  type AvroFlumeEvent,
  AvroSourceServer,
  BatchLimitError,
  DEFAULT_SERVER_LIMITS,
  FLUME_PROTOCOL,
  type FlumeRpcError,
  ProtocolError,
  RemoteError,
  ServerOverloadError,
  ServerTimeoutError,
  countEventArray,
  decodeEventArray,
  encodeEventArray,
  encodeFrame,
  encodeRequest,
} from '@flume-rpc/netty-compat';
import { appendEvent } from '../fixtures/vectors.js';
import {
  PING_FRAME,
  RawClient,
  SLACK_MS,
  frames,
  nextEvent,
  openTransceiver,
  pause,
  startAvroSource,
  until,
  within,
} from '../fixtures/index.js';

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** A raw client that has completed the Avro handshake (its ping answered). */
async function handshaken(t: Test, port: number): Promise<RawClient> {
  const client = await RawClient.connect(t, port);
  client.write(PING_FRAME);
  const answer = await client.collect(frames(1));
  if (answer.closed) throw new Error('the server closed the connection instead of answering the handshake');
  return client;
}

function events(n: number): AvroFlumeEvent[] {
  return Array.from({ length: n }, (_, i) => ({ headers: {}, body: Buffer.from(String(i)) }));
}

/** The next connectionError, checked to be a ServerTimeoutError for `bound` and `ms`. */
async function expectTimeout(
  t: Test,
  server: AvroSourceServer,
  bound: string,
  ms: number,
  within = SLACK_MS + ms,
): Promise<[FlumeRpcError, string]> {
  const [error, address] = await nextEvent<[FlumeRpcError, string]>(server, 'connectionError', within);
  t.ok(error instanceof ServerTimeoutError, `a ServerTimeoutError (${error.constructor.name}: ${error.message})`);
  t.equal(error.code, 'FLUME_RPC_SERVER_TIMEOUT');
  t.equal((error as ServerTimeoutError).timeout, bound, 'names the timeout');
  t.equal((error as ServerTimeoutError).timeoutMs, ms, 'and its value');
  t.match(error.message, new RegExp(`${bound} timeout \\(${ms} ms\\)`));
  return [error, address];
}

t.test('options: defaults, Infinity for no bound, anything else below 1 refused', async (t) => {
  const server = new AvroSourceServer();
  t.same(server.bounds, DEFAULT_SERVER_LIMITS);
  t.equal(new AvroSourceServer({ idleTimeoutMs: Infinity, maxConnections: 5 }).bounds.idleTimeoutMs, Infinity);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    t.throws(
      () => new AvroSourceServer({ frameReadTimeoutMs: bad }),
      /frameReadTimeoutMs must be a positive integer or Infinity/,
      String(bad),
    );
  }
});

t.test(
  'handshake timeout: a client that connects and says nothing is closed; one that handshakes is not',
  async (t) => {
    const server = await startAvroSource(t, { handshakeTimeoutMs: 300 });
    const good = openTransceiver(t, server.port);
    await good.ready();
    const silent = await RawClient.connect(t, server.port);
    const started = Date.now();
    const [, address] = await expectTimeout(t, server, 'handshake', 300);
    t.equal(address, silent.localAddress, 'the silent connection');
    t.ok(Date.now() - started >= 250, 'not before its time');
    await silent.waitClosed();
    t.equal(server.stats.connectionsTimedOut, 1);
    t.equal(server.stats.protocolErrors, 0, 'a timeout is not a protocol error');
    t.equal(await good.append(appendEvent()), 'OK', 'the handshaken connection outlives the handshake timeout');
  },
);

t.test('handshake timeout: half a handshake frame is no handshake', async (t) => {
  const server = await startAvroSource(t, { handshakeTimeoutMs: 300 });
  const client = await RawClient.connect(t, server.port);
  client.write(PING_FRAME.subarray(0, PING_FRAME.length - 3));
  await expectTimeout(t, server, 'handshake', 300);
  await client.waitClosed();
});

t.test('idle timeout: a quiet connection is closed; a busy one, or one waiting for its answer, is not', async (t) => {
  let slowAnswers = 0;
  const server = await startAvroSource(t, {
    idleTimeoutMs: 300,
    handlers: {
      // Answers after twice the idle timeout: the connection is waiting on us, not idle.
      append: () =>
        new Promise((resolve) => setTimeout(() => resolve('OK'), 600)).then(() => ((slowAnswers += 1), 'OK' as const)),
    },
  });
  const errors: FlumeRpcError[] = [];
  server.on('connectionError', (error) => errors.push(error));
  const quiet = await handshaken(t, server.port);
  const quietAddress = quiet.localAddress;
  const started = Date.now();
  const waiting = openTransceiver(t, server.port);
  const slow = waiting.append(appendEvent());
  const busy = openTransceiver(t, server.port);
  await busy.ready();
  // Busy: a call every 100 ms for three idle timeouts; a close would reject one of them.
  for (let i = 0; i < 9; i += 1) {
    await busy.request('appendBatch', { events: [] });
    await pause(100);
  }
  t.equal(busy.state, 'ready', 'the busy connection is open');
  t.ok(quiet.closed, 'the quiet one was closed meanwhile');
  t.ok(Date.now() - started >= 250);
  t.equal(
    errors[0]?.message,
    `Client ${quietAddress} sent no frame within the idle timeout (300 ms)`,
    'the first timeout is the quiet one',
  );
  // A close while the answer was pending would have rejected it.
  t.equal(await within(slow, SLACK_MS, 'the slow answer'), 'OK', 'a call answered after 600 ms still gets its answer');
  t.equal(slowAnswers, 1);
  // Once quiet, they go too.
  await until(
    () => busy.state === 'closed' && waiting.state === 'closed',
    'the others to go idle and be closed',
    SLACK_MS + 300,
  );
  t.equal(server.stats.connectionsTimedOut, 3);
  t.ok(
    errors.every((error) => error instanceof ServerTimeoutError && error.timeout === 'idle'),
    'all idle timeouts',
  );
});

t.test('frame-read timeout: a slow-loris peer sending a byte every 40 ms is closed mid-frame', async (t) => {
  const server = await startAvroSource(t, { frameReadTimeoutMs: 400, idleTimeoutMs: 10_000 });
  const bystander = openTransceiver(t, server.port);
  await bystander.ready();
  const loris = await handshaken(t, server.port);
  const call = Buffer.concat(
    encodeFrame(
      2,
      encodeRequest('append', FLUME_PROTOCOL.messages.get('append')!.request.toBuffer({ event: appendEvent() })),
    ),
  );
  let sent = 0;
  const drip = setInterval(() => {
    if (sent < call.length && !loris.closed) loris.write(call.subarray(sent, ++sent));
  }, 40);
  t.teardown(() => clearInterval(drip));
  const started = Date.now();
  const [, address] = await expectTimeout(t, server, 'frame-read', 400);
  t.equal(address, loris.localAddress);
  t.ok(Date.now() - started >= 350, 'not before its time');
  t.ok(sent < call.length, `the frame was still unfinished (${sent} of ${call.length} bytes)`);
  await loris.waitClosed();
  t.equal(server.stats.partialFrameBytes, 0, 'its bytes no longer count');
  t.equal(await bystander.append(appendEvent()), 'OK', 'others are served');
});

t.test(
  'connection cap: the N+1th connection is closed at once and counted; a freed slot admits a new one',
  async (t) => {
    const server = await startAvroSource(t, { maxConnections: 3 });
    const refusals: Array<[string, number]> = [];
    server.on('connectionRefused', (address, max) => refusals.push([address, max]));
    const first = openTransceiver(t, server.port);
    await first.ready();
    const others = [await RawClient.connect(t, server.port), await RawClient.connect(t, server.port)];
    await until(() => server.stats.connectionsOpen === 3, 'three open connections', SLACK_MS);
    const extra = await RawClient.connect(t, server.port);
    const extraAddress = extra.localAddress;
    await extra.waitClosed();
    t.equal(server.stats.connectionsRefused, 1, 'counted');
    t.same(refusals, [[extraAddress, 3]], 'reported with the peer and the cap');
    t.equal(server.stats.connectionsOpen, 3, 'the open ones stay');
    t.equal(await first.append(appendEvent()), 'OK', 'and are served');

    others[0]!.socket.destroy();
    await until(() => server.stats.connectionsOpen === 2, 'the slot to be freed', SLACK_MS);
    const late = openTransceiver(t, server.port);
    t.equal(await late.append(appendEvent()), 'OK', 'a new connection gets the freed slot');
    t.equal(server.stats.connectionsRefused, 1);
  },
);

t.test(
  'partial-frame bound: half-sent frames past maxBufferedBytes close the largest holders; a normal client is served',
  async (t) => {
    const limit = 1024 * 1024;
    const server = await startAvroSource(t, { maxBufferedBytes: limit });
    const errors: FlumeRpcError[] = [];
    server.on('connectionError', (error) => errors.push(error));
    const bystander = openTransceiver(t, server.port);
    await bystander.ready();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.stats.partialFrameBytes)), 1);
    t.teardown(() => clearInterval(sampler));

    // Each declares one 800 000-byte buffer and sends half of it.
    const half = 400_000;
    const hogs = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(t, server.port)));
    for (const hog of hogs) hog.write(Buffer.concat([int32(1), int32(1), int32(800_000), Buffer.alloc(half, 7)]));
    const held = (): number => (4 - server.stats.connectionsShed) * half;
    await until(
      () => server.stats.connectionsShed > 0 && server.stats.partialFrameBytes === held(),
      'the survivors to hold all they sent',
      SLACK_MS * 2,
    );
    t.equal(await bystander.append(appendEvent()), 'OK', 'a normal client is served meanwhile');

    t.ok(server.stats.connectionsShed >= 2, `enough closed to fit (${server.stats.connectionsShed})`);
    t.ok(server.stats.partialFrameBytes <= limit, `held ${server.stats.partialFrameBytes} <= ${limit}`);
    t.ok(peak <= limit, `never over the bound when sampled (peak ${peak})`);
    t.equal(errors.length, server.stats.connectionsShed);
    for (const error of errors) {
      t.ok(error instanceof ServerOverloadError, error.message);
      t.equal(error.code, 'FLUME_RPC_SERVER_OVERLOAD');
      t.match(error.message, /maxBufferedBytes \(1048576\)/);
    }
    await until(
      () => hogs.filter((hog) => hog.closed).length === server.stats.connectionsShed,
      'the shed sockets to close',
      SLACK_MS,
    );
    t.equal(server.stats.protocolErrors, 0);
  },
);

t.test(
  'batch cap: an appendBatch over maxBatchEvents gets an Avro error, nothing is built, the connection stays',
  async (t) => {
    for (const reads of [true, false]) {
      t.test(reads ? 'with a handler that reads events' : 'counting only', async (t) => {
        const batches: number[] = [];
        const server = await startAvroSource(t, {
          maxBatchEvents: 1000,
          handlers: reads ? { appendBatch: (batch) => (batches.push(batch.length), 'OK') } : {},
        });
        const refused: Array<[FlumeRpcError, string]> = [];
        server.on('callRefused', (error, address) => refused.push([error, address]));
        const client = openTransceiver(t, server.port);
        const error = await client.appendBatch(events(1001)).then(
          () => null,
          (err: unknown) => err,
        );
        t.ok(error instanceof RemoteError, `a RemoteError (${String(error)})`);
        t.match(
          (error as RemoteError).remoteMessage,
          /1001 events refused: over maxBatchEvents \(1000\)/,
          'naming the limit',
        );
        t.equal(refused.length, 1);
        t.ok(refused[0]![0] instanceof BatchLimitError);
        t.equal(server.stats.batchesRefused, 1);
        t.same(batches, [], 'the handler never saw it');
        t.equal(client.state, 'ready', 'the connection stays');
        t.equal(await client.appendBatch(events(1000)), 'OK', 'and takes a batch at the cap');
        t.same(batches, reads ? [1000] : []);
        t.equal(server.stats.eventsAcknowledged, 1000);
        t.equal(server.stats.protocolErrors, 0);
      });
    }
  },
);

t.test('batch cap (default 100 000): a 300 000-event batch is refused while another client is served', async (t) => {
  const server = await startAvroSource(t, { handlers: { appendBatch: () => 'OK', append: () => 'OK' } });
  const big = openTransceiver(t, server.port);
  const other = openTransceiver(t, server.port);
  await Promise.all([big.ready(), other.ready()]);
  const refused = big.appendBatch(events(300_000)).then(
    () => null,
    (err: unknown) => err,
  );
  const answers = await Promise.all([other.append(appendEvent()), other.append(appendEvent())]);
  t.same(answers, ['OK', 'OK']);
  const error = await within(refused, SLACK_MS * 2, 'the refusal');
  t.ok(error instanceof RemoteError, String(error));
  t.match((error as Error).message, /maxBatchEvents \(100000\)/);
  t.equal(await big.append(appendEvent()), 'OK', 'the big client can go on with smaller calls');
});

t.test('the event decoders stop at the declared count, before reading any event', async (t) => {
  // A block count of 3 followed by garbage: over a cap of 2, refused without reading on.
  const params = Buffer.concat([Buffer.from([6]), Buffer.alloc(10, 0xff)]);
  t.throws(() => decodeEventArray(params, 0, 'test', 2), BatchLimitError);
  t.throws(() => countEventArray(params, 0, 'test', 2), BatchLimitError);
  t.throws(() => decodeEventArray(params, 0, 'test'), ProtocolError, 'without a cap the garbage is what fails');
  // Counts add up over blocks.
  const blocks = Buffer.concat([encodeEventArray(events(2)).subarray(0, -1), encodeEventArray(events(2))]);
  t.throws(() => decodeEventArray(blocks, 0, 'test', 3), {
    code: 'FLUME_RPC_BATCH_LIMIT',
    declaredEvents: 4,
    limit: 3,
  });
  t.equal(decodeEventArray(blocks, 0, 'test', 4).value.length, 4);
});
