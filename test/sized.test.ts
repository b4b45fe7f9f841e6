/**
 * A module may yield several items at once (an internal `Packing` with a sizer, as `walk()` yields a
 * directory's entries): the queue is still bounded in items. Each `next()` receives the room left, the
 * worker never runs more than highWaterMark items ahead, and a value standing for more than the room is a
 * failure, not a silent overrun.
 */
import { once } from 'node:events';
import test from 'ava';
import { PACKING, type Packing, Tuning } from '../lib/protocol.js';
import { WorkerReadable } from '../lib/worker-readable.js';
import { cell, closed, fixture, newProbe, Probe, waitForCell } from './helpers.js';

const SIZED = fixture('sized.js');

const RUNS: Packing = {
  encoder: 'packRuns',
  sizer: 'runLength',
  decode: ((packed: number[], emit: (item: unknown) => void) => {
    for (const value of packed) emit(value);
  }) as Packing['decode'],
};

function runs(args: unknown[], highWaterMark: number, exportName = 'endlessRuns'): WorkerReadable<number> {
  return new WorkerReadable<number>(SIZED, { export: exportName, args, highWaterMark, [PACKING]: RUNS } as object);
}

/** Reads up to `count` items, which must be 1, 2, 3 ...: returns how many came in order before a wrong one
 * or the end, and stops reading there. */
async function readInOrder(stream: WorkerReadable<number>, count: number): Promise<number> {
  let read = 0;
  for await (const item of stream) {
    if (item !== read + 1 || ++read === count) break;
  }
  return read;
}

async function readOne(stream: WorkerReadable<number>): Promise<number> {
  for (;;) {
    const item = stream.read();
    if (item !== null) return item;
    await once(stream, 'readable');
  }
}

for (const highWaterMark of [0, 1, 5, 64]) {
  test(`highWaterMark ${highWaterMark}: runs fill the queue to exactly highWaterMark items, no further`, async (t) => {
    const probe = newProbe();
    const stream = runs([probe, 7], highWaterMark);
    for (let expected = 1; expected <= 3; expected++) t.is(await readOne(stream), expected);
    const bound = 3 + highWaterMark;
    await waitForCell(probe, Probe.TURNED, bound);
    t.is(cell(probe, Probe.PRODUCED), bound, 'exactly highWaterMark items ahead, in runs of up to 7');
    stream.destroy();
    await closed(stream);
    t.is(cell(probe, Probe.FINALLY), 1);
  });
}

test('every item of every run arrives, in order, one by one', async (t) => {
  const probe = newProbe();
  const stream = runs([probe, 50], 64);
  t.is(await readInOrder(stream, 5000), 5000);
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1);
});

test('a value standing for more items than its room fails the stream', async (t) => {
  const stream = runs([], 10, 'tooLong');
  const items: number[] = [];
  stream.on('data', (item: number) => items.push(item));
  const [error] = (await once(stream, 'error')) as [Error & { code?: string }];
  t.is(error.code, 'ERR_WORKER_READABLE_INTERNAL');
  t.regex(error.message, /a value standing for 100 items, with room for (\d+)/);
  t.deepEqual(items, [1], 'what came before it arrived first');
  await closed(stream);
});

test('a large highWaterMark still gives runs of at most MAX_BATCH_ITEMS, one message each', async (t) => {
  const probe = newProbe();
  const stream = runs([probe, 1_000_000], 5000);
  t.is(await readInOrder(stream, 20_000), 20_000);
  const longest = cell(probe, Probe.LONGEST);
  t.true(longest <= Tuning.MAX_BATCH_ITEMS, `the longest run was ${longest}`);
  t.true(longest > 1, 'runs of several items were used');
});

test('values standing for no item (heartbeats) are skipped', async (t) => {
  const items = await runs([300], 8, 'withHeartbeats').toArray();
  t.deepEqual(
    items,
    Array.from({ length: 300 }, (_, index) => index + 1),
  );
});
