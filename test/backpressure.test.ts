/**
 * The queue between the threads is bounded by highWaterMark, proven through a probe the fixture writes:
 * `PRODUCED` counts items the iterator yielded; `TURNED` records how many had been yielded when the
 * worker's event loop next got a turn. A synchronous generator that still had credit would keep yielding
 * before that turn, so "TURNED reached n and PRODUCED is still n" shows the worker stopped at n.
 */
import { once } from 'node:events';
import test from 'ava';
import { WorkerReadable } from 'worker-readable';
import { cell, closed, fixture, newProbe, Probe, waitForCell } from './helpers.js';

const COUNTED = fixture('counted.js');

/** Reads one item in paused mode, waiting for it if needed. */
async function readOne(stream: WorkerReadable<number>): Promise<number> {
  for (;;) {
    const item = stream.read();
    if (item !== null) return item;
    await once(stream, 'readable');
  }
}

test('the export is called eagerly, but no next() runs before the first read', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'lazy', args: [probe] });
  // TURNED is set by the fixture once the worker's event loop turns after the export returned.
  await waitForCell(probe, Probe.TURNED, 1);
  t.is(cell(probe, Probe.CALLED), 1);
  t.is(cell(probe, Probe.PRODUCED), 0, 'no item produced before anyone read');
  t.is(await readOne(stream), 1);
  stream.destroy();
  await closed(stream);
});

for (const highWaterMark of [0, 1, 64]) {
  test(`highWaterMark ${highWaterMark}: a consumer that stops reading stops the iterator`, async (t) => {
    const probe = newProbe();
    const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe], highWaterMark });
    for (let expected = 1; expected <= 3; expected++) t.is(await readOne(stream), expected);
    // Three taken and nobody asking for more: the worker runs exactly highWaterMark ahead.
    const bound = 3 + highWaterMark;
    await waitForCell(probe, Probe.TURNED, bound);
    t.is(cell(probe, Probe.PRODUCED), bound, 'the worker produced exactly highWaterMark items ahead, then stopped');
    t.true(stream.readableLength <= highWaterMark);
    stream.destroy();
    await closed(stream);
    t.is(cell(probe, Probe.FINALLY), 1);
  });

  test(`highWaterMark ${highWaterMark}: never more than highWaterMark + 1 items ahead of a slow consumer`, async (t) => {
    const probe = newProbe();
    const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe], highWaterMark });
    let consumed = 0;
    let maxAhead = 0;
    for await (const item of stream) {
      consumed++;
      t.is(item, consumed);
      maxAhead = Math.max(maxAhead, cell(probe, Probe.PRODUCED) - consumed);
      // A slow consumer: the worker gets every chance to run ahead.
      if (consumed % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (consumed === 3000) break;
    }
    t.true(maxAhead <= highWaterMark + 1, `at most ${highWaterMark + 1} ahead, saw ${maxAhead}`);
    if (highWaterMark > 1) t.true(maxAhead >= highWaterMark / 2, `the queue was used: ${maxAhead} ahead`);
  });
}

test('highWaterMark 0 is lock-step: each read advances the iterator by one', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe], highWaterMark: 0 });
  for (let n = 1; n <= 20; n++) {
    t.is(await readOne(stream), n);
    await waitForCell(probe, Probe.TURNED, n);
    t.is(cell(probe, Probe.PRODUCED), n, 'nothing produced beyond what was asked');
  }
  stream.destroy();
  await closed(stream);
});

test('a consumer that reads again after a pause resumes the iterator where it stopped', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe], highWaterMark: 4 });
  t.is(await readOne(stream), 1);
  await waitForCell(probe, Probe.TURNED, 5);
  t.is(cell(probe, Probe.PRODUCED), 5);
  for (let n = 2; n <= 10; n++) t.is(await readOne(stream), n);
  await waitForCell(probe, Probe.TURNED, 14);
  t.is(cell(probe, Probe.PRODUCED), 14);
  stream.destroy();
  await closed(stream);
});
