/**
 * Backoff: exponential growth from initialMs, capped at maxMs, +/- jitter around each step, and
 * reset after a success. The random source is injected, so every figure here is exact.
 */
import t from 'tap';
import { Backoff } from '@flume-rpc/rpc-client/internal';

const sequence = (backoff: Backoff, n: number): number[] => Array.from({ length: n }, () => backoff.next());

t.test('without jitter the delay doubles from initialMs up to maxMs and stays there', async (t) => {
  // random() = 0.5 puts the jitter exactly in the middle: no spread.
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
  t.same(sequence(backoff, 7), [100, 200, 400, 800, 1000, 1000, 1000]);
});

t.test('jitter: 0 random gives the low edge (80%), ~1 the high edge (120%), always capped', async (t) => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  t.same(sequence(low, 6), [80, 160, 320, 640, 800, 800], 'low edge is base * 0.8, the base itself capped at max');
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  t.same(sequence(high, 6), [120, 240, 480, 960, 1000, 1000], 'high edge is base * 1.2, never above maxMs');
});

t.test('custom multiplier and jitter fraction', async (t) => {
  const backoff = new Backoff({ initialMs: 10, maxMs: 10_000, multiplier: 3, jitter: 0.5, random: () => 0 });
  t.same(sequence(backoff, 4), [5, 15, 45, 135], 'base 10, 30, 90, 270 at 50% below');
  const none = new Backoff({ initialMs: 10, maxMs: 10_000, multiplier: 3, jitter: 0, random: () => 0 });
  t.same(sequence(none, 4), [10, 30, 90, 270], 'jitter 0: exact bases whatever random() says');
});

t.test('with Math.random every delay stays within +/-20% of its step and within [0, maxMs]', async (t) => {
  const initialMs = 50;
  const maxMs = 3000;
  for (let run = 0; run < 200; run += 1) {
    const backoff = new Backoff({ initialMs, maxMs });
    let base = initialMs;
    for (let step = 0; step < 10; step += 1) {
      const delay = backoff.next();
      const lo = Math.round(base * 0.8);
      const hi = Math.min(maxMs, Math.round(base * 1.2));
      if (delay < lo || delay > hi || delay > maxMs) {
        t.fail(`run ${run} step ${step}: delay ${delay} outside [${lo}, ${hi}]`);
        return;
      }
      base = Math.min(maxMs, base * 2);
    }
  }
  t.pass('2000 delays within bounds');
});

t.test('the jitter actually spreads delays (clients that failed together do not retry together)', async (t) => {
  const firsts = new Set<number>();
  for (let i = 0; i < 100; i += 1) firsts.add(new Backoff({ initialMs: 1000, maxMs: 5000 }).next());
  t.ok(firsts.size > 10, `100 first delays of 1000ms took ${firsts.size} distinct values`);
  for (const d of firsts) t.ok(d >= 800 && d <= 1200, `${d} within 800..1200`);
});

t.test('reset() starts again from initialMs', async (t) => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
  t.same(sequence(backoff, 3), [100, 200, 400]);
  backoff.reset();
  t.same(sequence(backoff, 2), [100, 200], 'after reset the growth restarts');
  sequence(backoff, 10);
  t.equal(backoff.next(), 1000, 'saturated at the cap');
  backoff.reset();
  t.equal(backoff.next(), 100, 'reset from the cap too');
});

t.test('initialMs 0 means retry at once, every time', async (t) => {
  const backoff = new Backoff({ initialMs: 0, maxMs: 1000, random: () => 0.999 });
  t.same(sequence(backoff, 5), [0, 0, 0, 0, 0]);
});

t.test('never negative, even with a jitter larger than 100%', async (t) => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 2, random: () => 0 });
  t.equal(backoff.next(), 0);
});
