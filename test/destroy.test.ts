/**
 * Stopping: destroy(), abort, break and downstream failures stop the iterator between items, run its
 * finally blocks, and 'close' comes only once the thread is gone. Serial: the thread count is global.
 */
import { once } from 'node:events';
import { addAbortSignal, finished, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';
import type { Done } from './helpers.js';
import { assertClosed, cell, closed, fixture, newProbe, Probe, readText, threadCount, waitForCell } from './helpers.js';

const COUNTED = fixture('counted.js');
let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

async function firstItem(stream: WorkerReadable<unknown>): Promise<unknown> {
  for (;;) {
    const item = stream.read();
    if (item !== null) return item;
    await once(stream, 'readable');
  }
}

test.serial('destroy() stops an endless synchronous generator and runs its finally', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe] });
  await firstItem(stream);
  t.is(threadCount(), baseline + 1, 'the worker thread is running');
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1, 'finally ran');
  t.is(cell(probe, Probe.CAUGHT), 0, 'destroy() without an error calls return(), not throw()');
  assertClosed(t, stream, baseline);
});

test.serial('destroy() interrupts a synchronous loop that never yields to the event loop', async (t) => {
  const probe = newProbe();
  // With this much credit the worker is inside its synchronous loop when the stop comes; only a flag in
  // shared memory, read between items, can reach it there. No stopTimeout: termination is not allowed.
  const stream = new WorkerReadable(COUNTED, {
    export: 'endless',
    args: [probe],
    highWaterMark: 2 ** 30,
    stopTimeout: Number.POSITIVE_INFINITY,
  });
  await firstItem(stream);
  await waitForCell(probe, Probe.PRODUCED, 10_000);
  t.is(cell(probe, Probe.TURNED), 0, 'the worker has not returned to its event loop since it started producing');
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1, 'stopped between items, cooperatively');
  assertClosed(t, stream, baseline);
});

test.serial('destroy(err) throws err into the iterator, then emits err itself', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe] });
  await firstItem(stream);
  const error = Object.assign(new Error('consumer gave up'), { code: 'E_GAVE_UP' });
  const emitted = once(stream, 'error');
  stream.destroy(error);
  const [received] = await emitted;
  t.is(received, error, 'the same object, as with Readable.from');
  await closed(stream);
  t.deepEqual(JSON.parse(readText(probe)), { name: 'Error', code: 'E_GAVE_UP', message: 'consumer gave up' });
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial('an iterator that catches the destroy error and yields is still closed with return()', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'catchesAndYields', args: [probe] });
  await firstItem(stream);
  const emitted = once(stream, 'error');
  stream.destroy(new Error('stop'));
  const [error] = await emitted;
  t.is((error as Error).message, 'stop');
  await closed(stream);
  t.is(cell(probe, Probe.CAUGHT), 1);
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial('destroy() while an async next() is pending closes after it settles', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'endlessAsync', args: [probe], highWaterMark: 1 });
  await firstItem(stream);
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial('a while (true) {} inside next() is terminated after stopTimeout', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'spins', args: [probe], stopTimeout: 50 });
  t.is(await firstItem(stream), 1);
  await waitForCell(probe, Probe.SPINNING, 1);
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 0, 'a terminated thread runs no finally (documented)');
  assertClosed(t, stream, baseline);
});

test.serial('cleanup that never finishes is terminated after stopTimeout', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'stuckCleanup', args: [probe], stopTimeout: 50 });
  await firstItem(stream);
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1, 'the finally block started');
  assertClosed(t, stream, baseline);
});

test.serial('an async iterator awaiting forever is terminated after stopTimeout', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'hangsAsync', args: [probe], stopTimeout: 50 });
  await firstItem(stream);
  stream.read();
  stream.destroy();
  await closed(stream);
  assertClosed(t, stream, baseline);
});

test.serial('cleanup that throws replaces the destroy error, as with Readable.from', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'cleanupThrows', args: [probe] });
  await firstItem(stream);
  const emitted = once(stream, 'error');
  stream.destroy();
  const [error] = await emitted;
  t.is((error as { code?: string }).code, 'E_CLEANUP');
  await closed(stream);
  assertClosed(t, stream, baseline);
});

test.serial('destroy() right after construction: no thread left, no user code run', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe] });
  stream.destroy();
  await closed(stream);
  t.is(cell(probe, Probe.CALLED), 0);
  assertClosed(t, stream, baseline);
});

test.serial('destroy() at every early moment leaves no thread', async (t) => {
  const moments: Array<(stream: WorkerReadable) => Promise<unknown>> = [
    async () => {},
    () => new Promise((resolve) => process.nextTick(resolve)),
    () => new Promise((resolve) => setImmediate(resolve)),
    (stream) => once(stream, 'readable').then(() => stream.read()),
  ];
  for (const moment of moments) {
    const probe = newProbe();
    const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe] });
    stream.read();
    await moment(stream);
    stream.destroy();
    await closed(stream);
    if (cell(probe, Probe.CALLED) === 1 && cell(probe, Probe.PRODUCED) > 0) t.is(cell(probe, Probe.FINALLY), 1);
    assertClosed(t, stream, baseline);
  }
});

test.serial('destroy() is idempotent and safe after the end', async (t) => {
  const stream = new WorkerReadable(fixture('values.js'), { export: 'sequence', args: [3] });
  t.deepEqual(await stream.toArray(), [0, 1, 2]);
  stream.destroy();
  stream.destroy();
  await closed(stream);
  const again = new WorkerReadable(COUNTED, { export: 'endless', args: [newProbe()] });
  again.destroy();
  again.destroy(new Error('second call ignored'));
  await closed(again);
  t.is(again.errored, null);
  assertClosed(t, again, baseline);
});

test.serial("'close' comes only after the thread has exited", async (t) => {
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [newProbe()] });
  await firstItem(stream);
  let threadsAtClose = -1;
  stream.on('close', () => {
    threadsAtClose = threadCount();
  });
  stream.destroy();
  await closed(stream);
  t.is(threadsAtClose, baseline);
});

test.serial('aborting the signal stops the iterator with an AbortError', async (t) => {
  const probe = newProbe();
  const controller = new AbortController();
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe], signal: controller.signal });
  await firstItem(stream);
  const emitted = once(stream, 'error');
  controller.abort();
  const [error] = await emitted;
  t.is((error as Error).name, 'AbortError');
  await closed(stream);
  t.is(JSON.parse(readText(probe)).name, 'AbortError', 'the iterator got throw(AbortError)');
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial('stream.addAbortSignal() and stream.finished() from outside work as on any Readable', async (t) => {
  const probe = newProbe();
  const controller = new AbortController();
  const stream = addAbortSignal(controller.signal, new WorkerReadable(COUNTED, { export: 'endless', args: [probe] }));
  const done = new Promise<Error | null | undefined>((resolve) => finished(stream, resolve));
  await firstItem(stream);
  controller.abort();
  const error = await done;
  t.is(error?.name, 'AbortError', 'finished() reports the abort');
  await closed(stream);
  t.is(JSON.parse(readText(probe)).name, 'AbortError', 'the iterator got throw(AbortError)');
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial('an already-aborted signal destroys at once: no thread, no iterator code', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable(COUNTED, { export: 'endless', args: [probe], signal: AbortSignal.abort() });
  t.true(stream.destroyed, 'destroyed synchronously');
  t.is(threadCount(), baseline, 'no thread was started');
  const [error] = await once(stream, 'error');
  t.is((error as Error).name, 'AbortError');
  await closed(stream);
  t.is(cell(probe, Probe.CALLED), 0);
  assertClosed(t, stream, baseline);
});

test.serial('break out of for await: throw(AbortError), then finally', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe] });
  for await (const item of stream) if (item === 5) break;
  await closed(stream);
  t.is(JSON.parse(readText(probe)).name, 'AbortError');
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.serial(
  'a failing through2 transform in pipeline stops the worker and runs finally, as with Readable.from',
  async (t) => {
    const { endless } = await import('./fixtures/counted.js');
    const run = async (source: Readable, probe: SharedArrayBuffer) => {
      const failure = Object.assign(new Error('transform failed'), { code: 'E_TRANSFORM' });
      await t.throwsAsync(
        pipeline(
          source,
          through2.obj((item: number, _encoding: BufferEncoding, callback: Done) =>
            item === 100 ? callback(failure) : callback(null, item),
          ),
          new Writable({ objectMode: true, write: (_item, _encoding, callback) => callback() }),
        ),
        { is: failure },
      );
      await closed(source);
      return { finallyRan: cell(probe, Probe.FINALLY), caught: readText(probe) };
    };
    const inThreadProbe = newProbe();
    const expected = await run(Readable.from(endless(inThreadProbe)), inThreadProbe);
    const probe = newProbe();
    const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe] });
    t.deepEqual(await run(stream, probe), expected);
    t.is(expected.finallyRan, 1);
    t.is(JSON.parse(expected.caught).code, 'E_TRANSFORM', 'pipeline destroys the source with the failure');
    assertClosed(t, stream, baseline);
  },
);

test.serial('a destination destroyed mid-stream stops the worker', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(COUNTED, { export: 'endless', args: [probe] });
  let seen = 0;
  const sink = new Writable({
    objectMode: true,
    write(_item, _encoding: BufferEncoding, callback: Done) {
      if (++seen === 50) sink.destroy(new Error('sink gone'));
      callback();
    },
  });
  await t.throwsAsync(pipeline(stream, sink), { message: 'sink gone' });
  await closed(stream);
  t.is(cell(probe, Probe.FINALLY), 1);
  assertClosed(t, stream, baseline);
});

test.after.always('no thread left by this file', (t) => {
  t.is(threadCount(), baseline);
});
