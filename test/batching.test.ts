/**
 * Batching never holds items back while the iterator waits: what the worker has batched goes out as soon as
 * an async `next()` is pending, not when it returns. Proven without timing: the fixture waits for a cell
 * that the test sets only once it has received every item yielded before the wait, so an item held back
 * would hold the test forever.
 */
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import { mark } from './fixtures/probe.js';
import { closed, fixture, newProbe, Probe } from './helpers.js';

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
