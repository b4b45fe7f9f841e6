/**
 * Batching never holds items back while the iterator waits: what the worker has batched goes out as soon as
 * an async `next()` is pending, not when it returns, and an item of a slow synchronous iterator goes before
 * the next `next()`. Proven without timing: the fixture waits for a cell that the test sets only once it
 * has received every item yielded before the wait, so an item held back would hold the test forever.
 */
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import { mark } from './fixtures/probe.js';
import { closed, fixture, newProbe, Probe, waitForCell } from './helpers.js';

const COUNTED = fixture('counted.js');

/** Reads in flowing mode until `count` items arrived, then lets the fixture go on; resolves to the items. */
async function receiveThenRelease(count: number, highWaterMark: number): Promise<number[]> {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'burstThenWait', args: [probe, count], highWaterMark });
  const items: number[] = [];
  stream.on('data', (item: number) => {
    items.push(item);
    if (items.length === count) mark(probe, Probe.RELEASE);
  });
  await closed(stream);
  return items;
}

for (const [count, highWaterMark] of [
  [1, 64],
  [5, 64],
  [40, 64],
  [5, 1024],
] as const) {
  test(`${count} item(s) yielded before an async next() waits arrive while it waits (highWaterMark ${highWaterMark})`, async (t) => {
    t.timeout(20_000, 'an item held back in the worker until the wait ends would hold the test forever');
    const items = await receiveThenRelease(count, highWaterMark);
    t.deepEqual(
      items,
      Array.from({ length: count }, (_, index) => index),
    );
  });
}

test('an item that took over 1 ms to come goes before the next next(), even to a consumer that is not waiting', async (t) => {
  t.timeout(20_000, 'an item held back in the worker until the blocked next() returns would hold the test forever');
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'slowThenBlock', args: [probe], highWaterMark: 64 });
  // Watches the items arrive without taking them: item 0 stays in the buffer, so the consumer is never
  // waiting on an empty one when item 1 comes, and only its slowness can send it.
  const push = stream.push.bind(stream);
  stream.push = (item: unknown): boolean => {
    const more = push(item);
    if (item === 1) mark(probe, Probe.RELEASE);
    return more;
  };
  stream.read(0);
  await waitForCell(probe, Probe.RELEASE, 1);
  t.deepEqual(await stream.toArray(), [0, 1]);
});
