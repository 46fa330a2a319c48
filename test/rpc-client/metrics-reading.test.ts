/**
 * readChannelFill: Flume's /metrics document (string values, Java's Double.toString layout) to
 * channel fill levels, and the typed MetricsFormatError for every document it cannot judge.
 */
import t from 'tap';
import { FlumeRpcError } from '@flume-rpc/netty-compat';
import { MetricsFormatError, readChannelFill } from '@flume-rpc/rpc-client/internal';
import { javaDouble } from '../fixtures/index.js';

const channel = (fill: unknown): Record<string, unknown> => ({
  Type: 'CHANNEL',
  ChannelCapacity: '1000',
  ChannelSize: '125',
  ChannelFillPercentage: fill,
});

t.test('channels come out by name without the CHANNEL. prefix; sources and sinks are ignored', async (t) => {
  const fill = readChannelFill({
    'CHANNEL.c1': channel('12.5'),
    'CHANNEL.mem-2': channel('0.0'),
    'SOURCE.r1': { Type: 'SOURCE', EventReceivedCount: '3' },
    'SINK.k1': { Type: 'SINK', EventDrainSuccessCount: '3' },
  });
  t.same(
    [...fill],
    [
      ['c1', 12.5],
      ['mem-2', 0],
    ],
  );
});

t.test("Java's Double.toString layouts all parse", async (t) => {
  const cases: Array<[string, number]> = [
    ['100.0', 100],
    ['33.33333333333333', 33.33333333333333],
    ['1.0E-4', 0.0001],
    ['9.5E-4', 0.00095],
    ['Infinity', Infinity],
  ];
  for (const [text, expected] of cases) {
    t.equal(readChannelFill({ 'CHANNEL.c1': channel(text) }).get('c1'), expected, text);
  }
});

t.test('capacity 0 (Double.MAX_VALUE) reads as a huge fill: an unstarted channel counts as full', async (t) => {
  const fill = readChannelFill({ 'CHANNEL.c1': channel('1.7976931348623157E308') });
  t.equal(fill.get('c1'), Number.MAX_VALUE);
  t.equal(javaDouble(Number.MAX_VALUE), '1.7976931348623157E308', 'the fixture prints it as Java does');
});

t.test('a number instead of a string is accepted (a proxy may have converted it)', async (t) => {
  t.equal(readChannelFill({ 'CHANNEL.c1': channel(42) }).get('c1'), 42);
});

t.test('no CHANNEL.* entry at all is valid: an empty map', async (t) => {
  t.same([...readChannelFill({})], []);
  t.same([...readChannelFill({ 'SOURCE.r1': { Type: 'SOURCE' } })], []);
});

t.test('documents that are not an object of objects are MetricsFormatErrors naming what was wrong', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /document is null/],
    [[], /document is an array/],
    ['{}', /document is a string/],
    [42, /document is a number/],
    [{ 'SOURCE.r1': 'up' }, /entry "SOURCE.r1" is a string/],
    [{ 'CHANNEL.c1': null }, /entry "CHANNEL.c1" is null/],
    [{ 'CHANNEL.c1': [] }, /entry "CHANNEL.c1" is an array/],
  ];
  for (const [document, message] of cases) {
    const error = catchError(() => readChannelFill(document));
    t.ok(error instanceof MetricsFormatError, `${JSON.stringify(document)} is a MetricsFormatError`);
    t.ok(error instanceof FlumeRpcError, 'within the FlumeRpcError hierarchy');
    t.match(error.message, message);
  }
});

t.test('a channel without a numeric ChannelFillPercentage is a MetricsFormatError naming the channel', async (t) => {
  const missing = catchError(() => readChannelFill({ 'CHANNEL.c1': { Type: 'CHANNEL' } }));
  t.ok(missing instanceof MetricsFormatError);
  t.match(missing.message, /CHANNEL\.c1 has no ChannelFillPercentage/);
  for (const bad of ['', ' ', 'NaN', 'full', '12.5%', '0x1f', null, true, {}]) {
    const error = catchError(() => readChannelFill({ 'CHANNEL.c1': channel(bad), 'CHANNEL.c2': channel('1.0') }));
    t.ok(error instanceof MetricsFormatError, `${JSON.stringify(bad)} is rejected`);
    t.match(error.message, /CHANNEL\.c1 ChannelFillPercentage .* is not a number/);
  }
  t.equal(error(() => readChannelFill({ 'CHANNEL.c1': channel(NaN) })).code, 'FLUME_RPC_METRICS_FORMAT');
});

t.test('the fixture prints percentages as Java does', async (t) => {
  t.equal(javaDouble(0), '0.0');
  t.equal(javaDouble(100), '100.0');
  t.equal(javaDouble(12.5), '12.5');
  t.equal(javaDouble(0.0001), '1.0E-4');
  t.equal(javaDouble(12_345_678), '1.2345678E7');
});

function catchError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('did not throw');
}

function error(action: () => unknown): FlumeRpcError {
  const caught = catchError(action);
  if (!(caught instanceof FlumeRpcError)) throw caught;
  return caught;
}
