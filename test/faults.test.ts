/**
 * Fault injection: the worker exits, its cleanup throws or never ends, it runs out of memory, it yields what
 * cannot be cloned, it throws errors that cannot be cloned whole, or non-errors. Each at a random item, with a
 * random highWaterMark and consumer. Each must end with the documented error, every earlier item delivered,
 * 'close', and no thread left. Serial: the thread count is global.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { WorkerReadable, type WorkerReadableOptions } from 'worker-readable';
import type { FaultSpec, Uncloneable } from './fixtures/faults.js';
import { drain, fixture, newProbe, Probe, threadCount, waitForCell } from './helpers.js';
import { checkProperty, commonViolations, consumerArb, highWaterMarkArb } from './reliability-checks.js';
import {
  type Consumer,
  describeError,
  LONG,
  type Outcome,
  observe,
  runsFor,
  type Stop,
  type StopHow,
  settledThreadCount,
} from './reliability-helpers.js';

const FAULTS = fixture('faults.js');
let baseline = 0;
test.before(() => {
  baseline = threadCount();
});

const TIMEOUT = (LONG ? 30 : 2) * 60_000;

interface FaultCase {
  readonly spec: FaultSpec;
  /** The faults come from a sync generator, or through an async one. */
  readonly source?: 'sync' | 'async';
  readonly highWaterMark: number;
  readonly consumer: Consumer;
  readonly stop?: Stop;
  readonly stopTimeout?: number;
}

type Failure = Error & Record<string, unknown>;

function runFault(
  {
    spec,
    source = 'sync',
    highWaterMark,
    consumer,
    stop = { kind: 'none' },
    stopTimeout = Number.POSITIVE_INFINITY,
  }: FaultCase,
  options: Pick<WorkerReadableOptions, 'worker'> = {},
): Promise<Outcome> {
  const probe = newProbe();
  const threadsBefore = threadCount();
  const usesAbort = stop.kind === 'abort' || (stop.kind === 'tick' && stop.how === 'abort');
  const controller = usesAbort ? new AbortController() : null;
  const stream = new WorkerReadable<unknown>(FAULTS, {
    export: source === 'sync' ? 'fault' : 'faultAsync',
    args: [probe, spec],
    highWaterMark,
    stopTimeout,
    ...options,
    ...(controller === null ? {} : { signal: controller.signal }),
  });
  return observe(stream, { probe, consumer, stop, controller, threadsBefore });
}

/** Violations common to faults that end the stream by themselves after `expected` items. */
function endsWith(outcome: Outcome, expected: number, code: string): string[] {
  const found = commonViolations(outcome);
  if (outcome.taken.length !== expected) {
    found.push(`${outcome.taken.length} items arrived; the ${expected} before the fault must all arrive`);
  }
  const error = outcome.errors[0] as Failure | undefined;
  if (error?.code !== code) found.push(`'error' is ${describeError(error)}; expected ${code}`);
  return found;
}

/** A thread that exits by itself sends its batch on the way out: the error says nothing was lost. */
function noneLost(error: unknown): string[] {
  const lostItems = (error as Failure | undefined)?.lostItems;
  return lostItems === 0 ? [] : [`lostItems is ${String(lostItems)}; expected 0`];
}

const atArb = fc.oneof(fc.nat({ max: 10 }), fc.nat({ max: 600 }));
const sourceKindArb = fc.constantFrom<'sync' | 'async'>('sync', 'async');

test.serial('process.exit() at a random item: ERR_WORKER_EXITED with its code, after every earlier item', async (t) => {
  t.timeout(TIMEOUT);
  const arbitrary = fc.record({
    spec: fc.record({ kind: fc.constant('exit' as const), at: atArb, code: fc.nat({ max: 200 }) }),
    highWaterMark: highWaterMarkArb,
    consumer: consumerArb,
    source: sourceKindArb,
  });
  await checkProperty(t, arbitrary, runsFor(25, 400), async (value) => {
    const outcome = await runFault(value);
    const found = endsWith(outcome, value.spec.at, 'ERR_WORKER_EXITED');
    const exitCode = (outcome.errors[0] as Failure | undefined)?.exitCode;
    if (exitCode !== value.spec.code) found.push(`exitCode ${String(exitCode)}; expected ${value.spec.code}`);
    found.push(...noneLost(outcome.errors[0]));
    return found;
  });
});

test.serial(
  'an event loop that runs dry, or an uncaught exception, at a random item: its error, after every earlier item',
  async (t) => {
    t.timeout(TIMEOUT);
    const arbitrary = fc.record({
      spec: fc.record({ kind: fc.constantFrom('runsDry' as const, 'uncaught' as const), at: atArb }),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      source: sourceKindArb,
    });
    await checkProperty(t, arbitrary, runsFor(20, 300), async (value) => {
      const outcome = await runFault(value);
      const dry = value.spec.kind === 'runsDry';
      const found = endsWith(outcome, value.spec.at, dry ? 'ERR_WORKER_EXITED' : 'E_UNCAUGHT');
      if (dry && (outcome.errors[0] as Failure | undefined)?.exitCode !== 0) found.push('exitCode is not 0');
      found.push(...noneLost(outcome.errors[0]));
      return found;
    });
  },
);

const stopArb: fc.Arbitrary<{ how: StopHow; after: number }> = fc.record({
  how: fc.constantFrom<StopHow>('destroy', 'destroyError', 'abort'),
  after: fc.integer({ min: 1, max: 300 }),
});

test.serial('a finally that throws: its error is the outcome, after every item before it', async (t) => {
  t.timeout(TIMEOUT);
  const arbitrary = fc
    .record({
      length: fc.nat({ max: 600 }),
      throwAt: fc.option(fc.nat({ max: 600 })),
      stop: fc.option(stopArb),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      source: sourceKindArb,
    })
    .map(({ length, throwAt, stop, highWaterMark, consumer, source }) => {
      const at = throwAt === null ? null : Math.min(throwAt, length);
      const before = at ?? length;
      const spec: FaultSpec = { kind: 'finallyThrows', length, throwAt: at };
      // A stop only where the iterator cannot have ended by itself yet (it runs at most highWaterMark + 1
      // ahead): when its own end races the stop, either outcome is right, and property.test.ts covers that race.
      const applied: Stop =
        stop === null || stop.after + highWaterMark + 1 >= before
          ? { kind: 'none' }
          : { kind: stop.how, after: stop.after };
      return { spec, source, highWaterMark, consumer, stop: applied };
    });
  let stopped = 0;
  await checkProperty(t, arbitrary, runsFor(30, 500), async (value) => {
    if (value.stop.kind !== 'none') stopped++;
    const outcome = await runFault(value);
    const found = commonViolations(outcome);
    const { spec } = value;
    const before = spec.kind === 'finallyThrows' ? (spec.throwAt ?? spec.length) : 0;
    if (value.stop.kind === 'none' && outcome.taken.length !== before) {
      found.push(`${outcome.taken.length} items arrived; expected all ${before}`);
    }
    const error = outcome.errors[0] as Failure | undefined;
    // As Readable.from: an error thrown by cleanup replaces the iterator's error and the destroy error, with
    // one exception from the language itself: through the async wrapper, throw(err) reaches the generator
    // inside a for...of, whose closing swallows what return() throws in favour of err.
    const how = value.stop.kind;
    const cleanupWins = value.source !== 'async' || how === 'none' || how === 'destroy';
    const isCleanup = error?.code === 'E_CLEANUP';
    const isStop = outcome.stopped && stopOutcome(value.stop, error, outcome.stopError);
    if (!(cleanupWins ? isCleanup : isStop)) {
      found.push(`'error' is ${describeError(error)}; expected ${cleanupWins ? 'E_CLEANUP' : 'the stop’s own'}`);
    }
    if (!outcome.finallyRan) found.push('finally did not run');
    return found;
  });
  t.log(`${stopped} of the cases stopped the stream before the iterator ended`);
});

/** Whether `error` is what the stop itself leads to. */
function stopOutcome(stop: Stop, error: unknown, stopError: unknown): boolean {
  const how = stop.kind === 'tick' ? stop.how : stop.kind;
  if (how === 'destroy') return error === undefined;
  if (how === 'destroyError') return error === stopError;
  return error instanceof Error && error.name === 'AbortError';
}

test.serial('cleanup that never finishes: terminated after stopTimeout, the stop’s outcome, no thread', async (t) => {
  t.timeout(TIMEOUT);
  const arbitrary = fc.record({
    spec: fc.constant<FaultSpec>({ kind: 'stuckCleanup' }),
    highWaterMark: highWaterMarkArb,
    consumer: consumerArb.filter((consumer) => consumer.kind !== 'pipeline'),
    source: sourceKindArb,
    stop: fc.oneof(
      stopArb.map(({ how, after }): Stop => ({ kind: how, after })),
      fc.record({
        kind: fc.constant('tick' as const),
        how: fc.constantFrom<StopHow>('destroy', 'destroyError', 'abort'),
        ticks: fc.nat({ max: 30 }),
      }),
    ),
    stopTimeout: fc.nat({ max: 50 }),
  });
  await checkProperty(t, arbitrary, runsFor(25, 400), async (value) => {
    const outcome = await runFault(value);
    const found = commonViolations(outcome);
    const error = outcome.errors[0];
    if (!stopOutcome(value.stop, error, outcome.stopError)) {
      found.push(`after ${JSON.stringify(value.stop)}, 'error' is ${describeError(error)}`);
    }
    return found;
  });
});

test.serial(
  'running out of memory at a random item: ERR_WORKER_OUT_OF_MEMORY after every item yielded before it',
  async (t) => {
    t.timeout(TIMEOUT);
    const arbitrary = fc.record({
      spec: fc.record({ kind: fc.constant('oom' as const), at: fc.nat({ max: 300 }) }),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      source: sourceKindArb,
    });
    await checkProperty(t, arbitrary, runsFor(8, 100), async (value) => {
      const outcome = await runFault(value, { worker: { resourceLimits: { maxOldGenerationSizeMb: 16 } } });
      const found = commonViolations(outcome);
      const error = outcome.errors[0] as Failure | undefined;
      if (error?.code !== 'ERR_WORKER_OUT_OF_MEMORY') {
        found.push(`'error' is ${describeError(error)}; expected ERR_WORKER_OUT_OF_MEMORY`);
      }
      // With a bounded heap every value is sent before the next next(): nothing dies with the thread.
      const lost = error?.lostItems;
      if (lost !== 0 || outcome.taken.length !== value.spec.at) {
        found.push(
          `${outcome.taken.length} items arrived and lostItems is ${String(lost)}; ${value.spec.at} were yielded`,
        );
      }
      return found;
    });
  },
);

// V8 kills a thread that runs out of memory inside the iterator's next(), so no code of ours runs in between:
// with a bounded heap, each value is sent before the next next() is called, and nothing dies with the thread.
test.serial('running out of memory: every item yielded before it is delivered', async (t) => {
  const probe = newProbe();
  const stream = new WorkerReadable<number>(FAULTS, {
    export: 'fault',
    args: [probe, { kind: 'oom', at: 5 } satisfies FaultSpec],
    highWaterMark: 64,
    worker: { resourceLimits: { maxOldGenerationSizeMb: 16 } },
  });
  // Asks for items without taking one: the first item goes out at once (the consumer waits on an empty
  // buffer); nobody waits on an empty buffer any more, so without a bounded heap the next four would be
  // batched when the heap runs out. Read only once the worker is past the fifth item, so that no consumer
  // waiting again flushes them.
  stream.read(0);
  await waitForCell(probe, Probe.SPINNING, 1);
  const { items, error } = await drain<number>(stream);
  t.is((error as Failure | undefined)?.code, 'ERR_WORKER_OUT_OF_MEMORY');
  t.is((error as Failure | undefined)?.lostItems, 0, 'nothing died with the thread');
  t.deepEqual(items, [0, 1, 2, 3, 4], 'the 5 items yielded before the heap ran out');
  t.is(await settledThreadCount(baseline), baseline);
});

const uncloneableArb = fc.constantFrom<Uncloneable>('function', 'symbol', 'nestedFunction', 'port', 'inMap');

test.serial('an uncloneable item at a random position, mid-batch: its index, every item before it', async (t) => {
  t.timeout(TIMEOUT);
  const arbitrary = fc.record({
    spec: fc.record({ kind: fc.constant('uncloneableItem' as const), at: atArb, what: uncloneableArb }),
    highWaterMark: highWaterMarkArb,
    consumer: consumerArb,
    source: sourceKindArb,
  });
  let midBatch = 0;
  await checkProperty(t, arbitrary, runsFor(30, 500), async (value) => {
    if (value.spec.at > 0 && value.highWaterMark > 0) midBatch++;
    const outcome = await runFault(value);
    const found = endsWith(outcome, value.spec.at, 'ERR_WORKER_ITEM_NOT_CLONEABLE');
    const index = (outcome.errors[0] as Failure | undefined)?.index;
    if (index !== value.spec.at) found.push(`index ${String(index)}; expected ${value.spec.at}`);
    if (!outcome.finallyRan) found.push('the iterator was not closed (finally did not run)');
    return found;
  });
  t.true(midBatch > 0, 'some culprits came after other items of a batch');
});

test.serial(
  'an error with a function property or a cyclic cause, at a random item: cloned as far as it can be',
  async (t) => {
    t.timeout(TIMEOUT);
    const arbitrary = fc.record({
      spec: fc.record({ kind: fc.constantFrom('functionProperty' as const, 'cyclicCause' as const), at: atArb }),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      source: sourceKindArb,
    });
    await checkProperty(t, arbitrary, runsFor(30, 500), async (value) => {
      const { spec } = value;
      const outcome = await runFault(value);
      const functionProperty = spec.kind === 'functionProperty';
      const found = endsWith(outcome, spec.at, functionProperty ? 'E_FUNCTION_PROPERTY' : 'E_CYCLIC');
      const error = outcome.errors[0] as Failure | undefined;
      if (error === undefined) return found;
      if (functionProperty) {
        if (error.message !== `has a function at ${spec.at}`) found.push(`message ${error.message}`);
        if ('callback' in error) found.push('the function property arrived');
        if (JSON.stringify(error.kept) !== JSON.stringify({ at: spec.at }))
          found.push(`kept is ${JSON.stringify(error.kept)}`);
      } else if (error.cause !== error) {
        found.push(`cause is ${describeError(error.cause)}, not the error itself`);
      }
      return found;
    });
  },
);

test.serial(
  'a thrown non-error at a random item: null and undefined become ERR_WORKER_THREW_NULLISH, others arrive as themselves',
  async (t) => {
    t.timeout(TIMEOUT);
    // Truthy values only here: a thrown falsy non-nullish value has its own test below.
    const thrownArb = fc.oneof(
      fc.constantFrom<unknown>(undefined, null),
      fc.integer().filter((n) => n !== 0),
      fc.string({ minLength: 1 }),
      fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.array(fc.integer())), {
        minKeys: 0,
        maxKeys: 4,
        noNullPrototype: true,
      }),
    );
    const arbitrary = fc.record({
      spec: fc.record({ kind: fc.constant('throwsValue' as const), at: atArb, value: thrownArb, freeze: fc.boolean() }),
      highWaterMark: highWaterMarkArb,
      consumer: consumerArb,
      source: sourceKindArb,
    });
    await checkProperty(t, arbitrary, runsFor(30, 500), async (value) => {
      const { spec } = value;
      if (spec.kind !== 'throwsValue') return [];
      const outcome = await runFault(value);
      const found = commonViolations(outcome);
      if (outcome.taken.length !== spec.at) found.push(`${outcome.taken.length} items arrived of ${spec.at}`);
      const error = outcome.errors[0];
      if (outcome.errors.length === 0) {
        found.push('no error at all: the failure was lost');
      } else if (spec.value === undefined || spec.value === null) {
        const { code, thrown } = error as Failure;
        if (code !== 'ERR_WORKER_THREW_NULLISH' || thrown !== String(spec.value)) {
          found.push(`'error' is ${describeError(error)}; expected ERR_WORKER_THREW_NULLISH for ${String(spec.value)}`);
        }
      } else if (!isDeepStrictEqual(error, spec.value)) {
        found.push(`'error' is ${describeError(error)}; expected the thrown ${JSON.stringify(spec.value)}`);
      }
      return found;
    });
  },
);

test.serial(
  "a thrown 0, '', false, NaN or 0n is not lost: the stream errors with ERR_WORKER_THREW_FALSY",
  async (t) => {
    for (const value of [0, '', false, Number.NaN, 0n]) {
      const outcome = await runFault({
        spec: { kind: 'throwsValue', at: 3, value, freeze: false },
        highWaterMark: 16,
        consumer: { kind: 'flowing', pauseEvery: 0, pause: 'none' },
      });
      t.deepEqual(outcome.received, [0, 1, 2]);
      t.is(outcome.errors.length, 1, `thrown ${String(value)}: 'error' fired`);
      const error = outcome.errors[0] as Failure | undefined;
      t.is(error?.code, 'ERR_WORKER_THREW_FALSY', `thrown ${String(value)}: its code`);
      t.true(String(error?.thrown).startsWith(`type ${typeof value} (`), `thrown ${String(value)}: described`);
    }
  },
);

function runScript(name: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const script = fileURLToPath(new URL(`./fixtures/scripts/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
    });
  });
}

test('an unread stream whose module holds a handle lets the process exit while its iterator is suspended', async (t) => {
  const { code, stdout } = await runScript('unread.js', ['endless']);
  t.is(stdout.trim(), 'read 1');
  t.is(code, 0);
});

test('an unread stream whose module holds a handle lets the process exit once its iterator has finished', async (t) => {
  const { code, stdout } = await runScript('unread.js', ['three']);
  t.is(stdout.trim(), 'read 1');
  t.is(code, 0);
});

test.after.always('no thread left by this file', async (t) => {
  t.is(await settledThreadCount(baseline), baseline);
});
