/**
 * Property-based: random iterables (0-5,000 mixed items, falsy and nested ones included), sync and async
 * iterators, random highWaterMark (0-300), random consumers (paused read() in bursts, flowing with pauses,
 * for await, pipe and pipeline into a slow Writable) and random failure points (the iterator throws or yields
 * null at item k; destroy(), destroy(err), abort, break or a failing transform after k items or at a random
 * tick). Every run must honour the contract (see `violations` in reliability-helpers.ts): exactly a prefix
 * in order, all of it when nothing failed, the iterator's error after every item before it, one 'error' at
 * most, 'close', finally run, never more than highWaterMark + 1 items ahead, no thread left.
 *
 * CI runs a bounded number of cases; `npm run test:long` (WR_LONG=1) runs many more; WR_RUNS=n forces n and
 * WR_SEED=s replays a reported seed. Serial: the thread count is global.
 */
import { once } from 'node:events';
import test from 'ava';
import fc from 'fast-check';
import { WorkerReadable } from 'worker-readable';
import type { SourceSpec } from './fixtures/scenario.js';
import { cell, closed, fixture, newProbe, Probe, threadCount, waitForCell } from './helpers.js';
import {
  checkScenarios,
  consumerArb,
  highWaterMarkArb,
  pauseArb,
  pipelineConsumerArb,
  poolArb,
  sourceArb,
} from './reliability-checks.js';
import {
  available,
  type Consumer,
  describeError,
  LONG,
  runsFor,
  SCENARIO,
  type Scenario,
  type Stop,
  type StopHow,
  settledThreadCount,
} from './reliability-helpers.js';

let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

/** Room for the long configuration; the CI one finishes far inside ava's default. */
const PROPERTY_TIMEOUT = (LONG ? 60 : 2) * 60_000;

const stopHowArb = fc.constantFrom<StopHow>('destroy', 'destroyError', 'abort');

/** A stop that fits the consumer: `break` needs for await, a failing transform needs pipeline. */
function stopFor(consumer: Consumer, raw: { kind: string; how: StopHow; after: number; ticks: number }): Stop {
  switch (raw.kind) {
    case 'tick':
      return { kind: 'tick', how: raw.how, ticks: raw.ticks };
    case 'break':
      return consumer.kind === 'forAwait' ? { kind: 'break', after: raw.after } : { kind: raw.how, after: raw.after };
    case 'transformFails':
      return consumer.kind === 'pipeline'
        ? { kind: 'transformFails', after: raw.after - 1 }
        : { kind: raw.how, after: raw.after };
    default:
      return { kind: raw.how, after: raw.after };
  }
}

const rawStopArb = fc.record({
  kind: fc.constantFrom('after', 'tick', 'break', 'transformFails'),
  how: stopHowArb,
  // Where the stop falls, in thousandths of the stream's length; above 950, past its end.
  at: fc.nat({ max: 1000 }),
  ticks: fc.nat({ max: 40 }),
});

/** The item count after which a stop at `at` thousandths of `length` items falls: 1..length mostly, past the
 * end (length + 1) for at > 950. */
function stopPoint(at: number, length: number): number {
  return at > 950 ? length + 1 : 1 + Math.floor((at / 951) * length);
}

test.serial('every item arrives once, in order, then the end or the iterator’s own error', async (t) => {
  t.timeout(PROPERTY_TIMEOUT);
  const scenario: fc.Arbitrary<Scenario> = fc.record({
    source: sourceArb(['none', 'throw', 'null']),
    highWaterMark: highWaterMarkArb,
    consumer: consumerArb,
    stop: fc.constant<Stop>({ kind: 'none' }),
  });
  await checkScenarios(t, scenario, runsFor(60, 2000));
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('a consumer that stops early gets a prefix, its own outcome, finally run, no thread', async (t) => {
  t.timeout(PROPERTY_TIMEOUT);
  let inside = 0;
  const scenario: fc.Arbitrary<Scenario> = fc
    .record({
      source: sourceArb(['none']),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      stop: rawStopArb,
    })
    .map(({ source, highWaterMark, consumer, stop }) => {
      // Mostly inside the stream, so the stop does happen; past its end now and then.
      const after = stopPoint(stop.at, available(source));
      const applied = stopFor(consumer, { ...stop, after });
      if ('after' in applied && applied.after <= available(source)) inside++;
      return { source, highWaterMark, consumer, stop: applied };
    });
  await checkScenarios(t, scenario, runsFor(60, 2000));
  t.log(`${inside} generated cases (shrinking included) stopped after an item inside the stream`);
  t.true(inside > 0);
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial(
  'a downstream transform failing at a random item: its error, the worker stopped, finally run',
  async (t) => {
    t.timeout(PROPERTY_TIMEOUT);
    const scenario: fc.Arbitrary<Scenario> = fc
      .record({
        source: sourceArb(['none']),
        highWaterMark: highWaterMarkArb,
        consumer: pipelineConsumerArb,
        at: fc.nat({ max: 950 }),
      })
      .map(({ source, highWaterMark, consumer, at }) => ({
        source,
        highWaterMark,
        consumer,
        stop: { kind: 'transformFails' as const, after: stopPoint(at, available(source)) - 1 },
      }));
    await checkScenarios(t, scenario, runsFor(20, 300));
    t.is(await settledThreadCount(baseline), baseline);
  },
);

test.serial('an iterator failure racing an early stop never reaches a consumer that stopped before it', async (t) => {
  t.timeout(PROPERTY_TIMEOUT);
  // Biased towards the race: the worker can reach the failure (k <= highWaterMark) before the consumer,
  // which stops after fewer than k items, while the failure is on its way.
  const scenario: fc.Arbitrary<Scenario> = fc
    .record({
      kind: fc.constantFrom<'sync' | 'async' | 'manual'>('sync', 'async', 'manual'),
      at: fc.integer({ min: 2, max: 40 }),
      extra: fc.nat({ max: 100 }),
      pool: poolArb,
      room: fc.nat({ max: 260 }),
      consumer: fc.oneof(
        fc.record({
          kind: fc.constant('read' as const),
          readSize: fc.constant('none' as const),
          unshiftEvery: fc.constant(0),
          burst: fc.integer({ min: 1, max: 400 }),
          pause: pauseArb,
        }),
        fc.record({ kind: fc.constant('flowing' as const), pauseEvery: fc.constant(0), pause: pauseArb }),
        fc.record({ kind: fc.constant('forAwait' as const), pauseEvery: fc.constant(0), pause: pauseArb }),
      ),
      how: fc.constantFrom<StopHow | 'break'>('destroy', 'destroyError', 'abort', 'break'),
      stopAt: fc.nat(),
    })
    .map(({ kind, at, extra, pool, room, consumer, how, stopAt }) => {
      const after = 1 + (stopAt % (at - 1));
      const stop: Stop =
        how === 'break'
          ? consumer.kind === 'forAwait'
            ? { kind: 'break', after }
            : { kind: 'destroy', after }
          : { kind: how, after };
      return {
        source: { kind, length: at + extra, pool, failure: { kind: 'throw' as const, at }, pace: 0 },
        highWaterMark: at + room,
        consumer,
        stop,
      };
    });
  await checkScenarios(t, scenario, runsFor(30, 300));
});

test.serial('destroy() after 1 of the 5 items before a failure never emits the failure', async (t) => {
  const probe = newProbe();
  const source: SourceSpec = { kind: 'sync', length: 10, pool: ['x'], failure: { kind: 'throw', at: 5 }, pace: 0 };
  const stream = new WorkerReadable<unknown>(SCENARIO, { export: 'source', args: [probe, source], highWaterMark: 16 });
  const errors: unknown[] = [];
  stream.on('error', (error) => errors.push(error));
  let seen = 0;
  stream.on('data', () => {
    if (++seen > 1) return;
    // Holds this thread (deliberately, in a test only) until the iterator has thrown after its fifth item,
    // so that the worker's report of the failure is on its way, not yet read, when destroy() comes: the
    // order a fast worker and a busy main thread give anyway, made certain.
    Atomics.wait(new Int32Array(probe, 0, 8), Probe.FINALLY, 0, 10_000);
    stream.destroy();
  });
  await closed(stream);
  t.is(seen, 1, 'nothing after destroy()');
  t.is(cell(probe, Probe.FINALLY), 1, 'the iterator had thrown by then');
  t.deepEqual(errors.map(describeError), [], 'destroy() without an error, before the items preceding the failure');
  t.is(await settledThreadCount(baseline), baseline);
});

test.serial('read(n) with n above highWaterMark keeps at most highWaterMark + 1 items ahead', async (t) => {
  const highWaterMark = 0;
  const probe = newProbe();
  const stream = new WorkerReadable<number>(fixture('counted.js'), {
    export: 'endlessWithHeartbeat',
    args: [probe],
    highWaterMark,
  });
  let item = stream.read(64);
  while (item === null) {
    await once(stream, 'readable');
    item = stream.read(64);
  }
  t.is(item, 1);
  // One taken: the worker may be highWaterMark + 1 ahead, no more. It used to creep one item at a time, each
  // a round trip: the main thread got the item, granted one more, and rang. Once the worker has reached the
  // bound, this thread's event loop is free (it waits on shared memory) to take in what the worker sent and
  // grant what it would; meanwhile the worker's own loop turns, idle, for 20 heartbeats. A grant would have
  // woken it long before.
  const limit = 1 + highWaterMark + 1;
  await waitForCell(probe, Probe.PRODUCED, limit);
  await waitForCell(probe, Probe.HEARTBEATS, cell(probe, Probe.HEARTBEATS) + 20);
  const produced = cell(probe, Probe.PRODUCED);
  stream.destroy();
  await closed(stream);
  t.is(produced, limit, `the worker produced ${produced} items while 1 was taken (highWaterMark 0)`);
});

test.serial('the item read just before a held-back error can be put back with unshift()', async (t) => {
  const probe = newProbe();
  const source: SourceSpec = { kind: 'sync', length: 10, pool: ['x'], failure: { kind: 'throw', at: 5 }, pace: 0 };
  const stream = new WorkerReadable<unknown>(SCENARIO, { export: 'source', args: [probe, source], highWaterMark: 16 });
  const errors: unknown[] = [];
  stream.on('error', (error) => errors.push(error));
  stream.read(0);
  // The worker posts the failure, then its thread ends; once it is gone and the main thread's event loop has
  // polled its messages once more, the failure is here, held back behind the five buffered items.
  await settledThreadCount(baseline);
  while (stream.readableLength < 5) await once(stream, 'readable');
  await new Promise((resolve) => setImmediate(resolve));
  const items = [0, 1, 2, 3, 4].map(() => stream.read());
  t.deepEqual(items, [0, 'x', 2, 'x', 4]);
  stream.unshift(items[4]);
  t.is(stream.read(), 4, 'the item put back is read again');
  await closed(stream);
  t.deepEqual(errors.map(describeError), ['Error E_ITERATOR: iterator failed at item 5']);
});

test.after.always('no thread left by this file', async (t) => {
  t.is(await settledThreadCount(baseline), baseline);
});
