/**
 * judgeChannels: healthy unless a channel is filled strictly above the limit, with a one-line
 * reason that names the channel (or says it is not started).
 */
import t from 'tap';
import { judgeChannels } from '@flume-rpc/rpc-client/internal';

const fill = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

t.test('at or below the limit is healthy; strictly above is not', async (t) => {
  t.same(judgeChannels(fill({ c1: 90, c2: 12.5 }), 90), { healthy: true, reason: 'all channels at or below 90%' });
  t.same(judgeChannels(fill({ c1: 93.5, c2: 12.5 }), 90), { healthy: false, reason: 'channel c1 at 93.5% > 90%' });
});

t.test('no channels: nothing to judge, healthy', async (t) => {
  t.same(judgeChannels(new Map(), 90), { healthy: true, reason: 'no channels reported' });
});

t.test('several channels over the limit are listed fullest first', async (t) => {
  const verdict = judgeChannels(fill({ a: 91, b: 99.126, c: 10 }), 90);
  t.same(verdict, { healthy: false, reason: 'channels b at 99.13%, a at 91% > 90%' });
});

t.test('capacity 0 (Double.MAX_VALUE) reads as not started, not as a 309-digit percentage', async (t) => {
  t.same(judgeChannels(fill({ c1: Number.MAX_VALUE }), 90), {
    healthy: false,
    reason: 'channel c1 not started (capacity 0) > 90%',
  });
});

t.test('a value just above the limit is not rounded onto it in the reason', async (t) => {
  t.equal(judgeChannels(fill({ c1: 90.001 }), 90).reason, 'channel c1 at 90.001% > 90%');
});
