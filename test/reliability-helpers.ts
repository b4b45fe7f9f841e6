/**
 * The machinery of the property suites: a scenario is plain data (so fast-check shrinks it to something
 * readable), `runScenario` plays it against a real WorkerReadable and records what a consumer saw, and
 * `violations` checks the record against the contract. Nothing here sleeps or measures time: a run waits on
 * events, and the one deadline below only turns a hang into a readable failure.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect, isDeepStrictEqual } from 'node:util';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';
import { type Failure, itemAt, ScenarioProbe, type SourceSpec } from './fixtures/scenario.js';
import { cell, closed, type Done, fixture, newProbe, Probe, threadCount } from './helpers.js';

export const SCENARIO = fixture('scenario.js');

/** `npm run test:long` sets WR_LONG=1: every suite runs its long configuration. */
export const LONG = process.env.WR_LONG === '1';

/** Generated cases per property: `WR_RUNS` if set, else the suite's CI or long default. */
export function runsFor(ci: number, long: number): number {
  const forced = Number(process.env.WR_RUNS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return LONG ? long : ci;
}

/** A seed to replay a failure (`WR_SEED`, printed by every property). */
const SEED = process.env.WR_SEED === undefined ? undefined : Number(process.env.WR_SEED);

/** How a consumer lets time pass between two reads. */
export type Pause = 'none' | 'microtask' | 'nextTick' | 'immediate' | 'immediates';

export type Consumer =
  /** Paused mode: `read()` (or `read(1)`, or `read(0)` then `read()`) `burst` items, then a pause. */
  | {
      readonly kind: 'read';
      readonly readSize: 'none' | 0 | 1;
      readonly burst: number;
      readonly pause: Pause;
      /** Every `unshiftEvery`-th item read is `unshift()`ed back and read again (0: never). */
      readonly unshiftEvery: number;
    }
  /** `'data'` events; every `pauseEvery`-th item `pause()`, then `resume()` after `pause`. */
  | { readonly kind: 'flowing'; readonly pauseEvery: number; readonly pause: Pause }
  /** `stream.map(fn, { concurrency })`, `fn` awaiting `pause`, read with `for await`. */
  | { readonly kind: 'map'; readonly concurrency: number; readonly pause: Pause }
  /** `for await` over `iterator({ destroyOnReturn: false })` until item `split`, then a second `for await`. */
  | { readonly kind: 'twoIterators'; readonly split: number }
  /** `for await`, awaiting `pause` after every `pauseEvery`-th item. */
  | { readonly kind: 'forAwait'; readonly pauseEvery: number; readonly pause: Pause }
  /** `pipe()` into a Writable that completes every `slowEvery`-th write after `pause`. */
  | { readonly kind: 'pipe'; readonly sinkHighWaterMark: number; readonly slowEvery: number; readonly pause: Pause }
  /** `pipeline()` through a through2 transform into such a Writable. */
  | {
      readonly kind: 'pipeline';
      readonly sinkHighWaterMark: number;
      readonly slowEvery: number;
      readonly pause: Pause;
    };

export type StopHow = 'destroy' | 'destroyError' | 'abort';

export type Stop =
  | { readonly kind: 'none' }
  /** The consumer stops right after receiving its `after`-th item. */
  | { readonly kind: StopHow; readonly after: number }
  /** `for await` only: `break` after the `after`-th item. */
  | { readonly kind: 'break'; readonly after: number }
  /** `pipeline` only: the transform fails on item number `after` (0-based), so `after` items got through. */
  | { readonly kind: 'transformFails'; readonly after: number }
  /** Independent of the consumer: `how` after `ticks` turns of the event loop (0: right after `new`). */
  | { readonly kind: 'tick'; readonly how: StopHow; readonly ticks: number };

export interface Scenario {
  readonly source: SourceSpec;
  readonly highWaterMark: number;
  readonly consumer: Consumer;
  readonly stop: Stop;
}

/** What a run observed. */
export interface Outcome {
  /** Items as the stream handed them out (read(), 'data', for await). */
  readonly taken: unknown[];
  /** Items as the consumer's end got them: the same as `taken`, except for pipe and pipeline, where they are
   * the sink's writes (a pipeline torn down by an error drops what its transform and sink still buffer). */
  readonly received: unknown[];
  /** Every `'error'` event of the stream. */
  readonly errors: unknown[];
  /** The consumer's stop reached a stream that was not yet destroyed. */
  stopped: boolean;
  /** The error passed to `destroy(err)`, or the transform's error. */
  stopError: unknown;
  /** What `for await` threw or `pipeline` rejected with. */
  consumerError: unknown;
  /** The most items produced (probe) and not yet taken from the stream, seen at any take. */
  maxAhead: number;
  /** Set when the run did not reach `'close'` in time: the stream's state then. */
  hung: string | null;
  started: boolean;
  finallyRan: boolean;
  produced: number;
  destroyed: boolean;
  threadsBefore: number;
  threadsAfter: number;
}

/** Generous: only a run that is stuck reaches it, and then it reports instead of hanging the suite. */
const HANG_DEADLINE_MS = 30_000;

function pauseFor(kind: Pause): Promise<void> | null {
  switch (kind) {
    case 'none':
      return null;
    case 'microtask':
      return Promise.resolve();
    case 'nextTick':
      return new Promise((resolve) => process.nextTick(resolve));
    case 'immediate':
      return new Promise((resolve) => setImmediate(resolve));
    case 'immediates':
      return new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
  }
}

/** Resolves on whichever of 'readable', 'end', 'close' comes first, or at once if the stream is done. */
function readableOrDone(stream: WorkerReadable<unknown>): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('close', done);
  });
}

/** Describes a thrown value for a failure message. */
export function describeError(error: unknown): string {
  if (error === undefined) return 'no error';
  if (error instanceof Error) {
    const { code } = error as { code?: unknown };
    return `${error.name}${code === undefined ? '' : ` ${String(code)}`}: ${error.message}`;
  }
  return inspect(error);
}

/** The error the failure in `failure` must surface as, by code and message. */
export function expectedIteratorError(failure: Failure): { code: string; message: string } | null {
  switch (failure.kind) {
    case 'none':
      return null;
    case 'throw':
      return { code: 'E_ITERATOR', message: `iterator failed at item ${failure.at}` };
    case 'null':
      return { code: 'ERR_STREAM_NULL_VALUES', message: 'May not write null values to stream' };
  }
}

function hasCodeAndMessage(error: unknown, expected: { code: string; message: string }): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === expected.code && message === expected.message;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Items that exist before the iterator's end or failure. */
export function available(source: SourceSpec): number {
  return source.failure.kind === 'none' ? source.length : source.failure.at;
}

/** Plays one scenario against a real WorkerReadable. */
export function runScenario(scenario: Scenario): Promise<Outcome> {
  const probe = newProbe();
  const threadsBefore = threadCount();
  const { stop } = scenario;
  const usesAbort = stop.kind === 'abort' || (stop.kind === 'tick' && stop.how === 'abort');
  const controller = usesAbort ? new AbortController() : null;
  // stopTimeout Infinity: the thread is never force-terminated, so a finally that did not run is a defect,
  // and a stop that never completes shows as a hang rather than being papered over.
  const stream = new WorkerReadable<unknown>(SCENARIO, {
    export: 'source',
    args: [probe, scenario.source],
    highWaterMark: scenario.highWaterMark,
    stopTimeout: Number.POSITIVE_INFINITY,
    ...(controller === null ? {} : { signal: controller.signal }),
  });
  return observe(stream, { probe, consumer: scenario.consumer, stop, controller, threadsBefore });
}

/** What `observe` needs besides the stream. */
export interface Observation {
  /** The probe the stream's iterator writes (scenario.ts and faults.ts layout). */
  readonly probe: SharedArrayBuffer;
  readonly consumer: Consumer;
  readonly stop: Stop;
  /** The controller whose signal the stream got, for `abort` stops. */
  readonly controller: AbortController | null;
  /** threadCount() before the stream was created. */
  readonly threadsBefore: number;
}

/** Consumes `stream` as told, applies the stop, waits for 'close' (or a hang), and records everything. */
export async function observe(stream: WorkerReadable<unknown>, observation: Observation): Promise<Outcome> {
  const { probe, consumer, stop, controller, threadsBefore } = observation;
  const outcome: Outcome = {
    taken: [],
    received: [],
    errors: [],
    stopped: false,
    stopError: undefined,
    consumerError: undefined,
    maxAhead: 0,
    hung: null,
    started: false,
    finallyRan: false,
    produced: 0,
    destroyed: false,
    threadsBefore,
    threadsAfter: 0,
  };
  stream.on('error', (error) => outcome.errors.push(error));
  const whenClosed = closed(stream);

  const applyStop = (how: StopHow): void => {
    if (stream.destroyed) return;
    outcome.stopped = true;
    if (how === 'destroy') {
      stream.destroy();
    } else if (how === 'destroyError') {
      outcome.stopError = Object.assign(new Error('the consumer gave up'), { code: 'E_CONSUMER_STOP' });
      stream.destroy(outcome.stopError as Error);
    } else {
      controller?.abort();
    }
  };
  /** Records an item taken from the stream and checks how far ahead the worker is. */
  const onTaken = (item: unknown): void => {
    const ahead = cell(probe, Probe.PRODUCED) - outcome.taken.push(item);
    if (ahead > outcome.maxAhead) outcome.maxAhead = ahead;
  };
  /** Records an item the consumer got; true if the consumer must stop now (its stop was applied). */
  const onReceived = (item: unknown): boolean => {
    outcome.received.push(item);
    if (
      (stop.kind === 'destroy' || stop.kind === 'destroyError' || stop.kind === 'abort') &&
      stop.after === outcome.received.length
    ) {
      applyStop(stop.kind);
      return true;
    }
    return false;
  };

  if (stop.kind === 'tick') {
    if (stop.ticks === 0) applyStop(stop.how);
    else afterTicks(stop.ticks, () => applyStop(stop.how));
  }

  let consumed: Promise<void>;
  switch (consumer.kind) {
    case 'read':
      consumed = consumeByRead(stream, consumer, onTaken, onReceived, outcome);
      break;
    case 'flowing':
      consumed = consumeFlowing(stream, consumer, onTaken, onReceived);
      break;
    case 'forAwait':
      consumed = consumeForAwait(stream, consumer, stop, onTaken, onReceived, outcome);
      break;
    case 'map':
      consumed = consumeByMap(stream, consumer, onTaken, onReceived, outcome);
      break;
    case 'twoIterators':
      consumed = consumeByTwoIterators(stream, consumer, onTaken, onReceived, outcome);
      break;
    case 'pipe':
    case 'pipeline':
      consumed = consumeByPipe(stream, consumer, stop, onTaken, onReceived, outcome);
      break;
  }

  let deadline: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    deadline = setTimeout(() => resolve('hung'), HANG_DEADLINE_MS);
  });
  const result = await Promise.race([Promise.all([whenClosed, consumed]), hung]);
  clearTimeout(deadline);
  if (result === 'hung') {
    outcome.hung =
      `after ${HANG_DEADLINE_MS} ms: received ${outcome.received.length}, produced ${cell(probe, Probe.PRODUCED)}, ` +
      `readableLength ${stream.readableLength}, destroyed ${stream.destroyed}, closed ${stream.closed}, ` +
      `readableEnded ${stream.readableEnded}, errors ${outcome.errors.length}`;
    // Let the shrinker go on with a clean slate.
    stream.destroy();
  }
  outcome.started = cell(probe, ScenarioProbe.STARTED) === 1;
  outcome.finallyRan = cell(probe, Probe.FINALLY) === 1;
  outcome.produced = cell(probe, Probe.PRODUCED);
  outcome.destroyed = stream.destroyed;
  outcome.threadsAfter = await settledThreadCount(threadsBefore);
  return outcome;
}

/**
 * The thread count, given a few turns of the event loop to drop to `expected`. Node joins a worker's thread
 * before its 'exit' event, but the kernel may list the joined thread in /proc/self/task for a moment more
 * (pthread_join returns when the thread clears its tid, a little before the kernel releases the task). A
 * thread that is really left running stays counted however long this waits.
 */
export async function settledThreadCount(expected: number): Promise<number> {
  let count = threadCount();
  for (let turn = 0; count > expected && turn < 100; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    count = threadCount();
  }
  return count;
}

function afterTicks(ticks: number, then: () => void): void {
  if (ticks <= 0) then();
  else setImmediate(() => afterTicks(ticks - 1, then));
}

async function consumeByRead(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'read' }>,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
  outcome: Outcome,
): Promise<void> {
  let reads = 0;
  let putBack = false;
  for (;;) {
    for (let n = 0; n < consumer.burst; ) {
      if (stream.destroyed || stream.readableEnded) return;
      if (consumer.readSize === 0) stream.read(0);
      const item = consumer.readSize === 1 ? stream.read(1) : stream.read();
      if (item === null) {
        await readableOrDone(stream);
        continue;
      }
      onTaken(item);
      if (!putBack && consumer.unshiftEvery > 0 && ++reads % consumer.unshiftEvery === 0) {
        // Put back: taken again by the next read, so not taken yet.
        stream.unshift(item);
        outcome.taken.pop();
        putBack = true;
        continue;
      }
      putBack = false;
      n++;
      if (onReceived(item)) return;
    }
    await pauseFor(consumer.pause);
  }
}

function consumeFlowing(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'flowing' }>,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
): Promise<void> {
  let count = 0;
  stream.on('data', (item) => {
    onTaken(item);
    if (onReceived(item)) return;
    if (consumer.pauseEvery > 0 && ++count % consumer.pauseEvery === 0) {
      stream.pause();
      const waited = pauseFor(consumer.pause);
      if (waited === null) stream.resume();
      else void waited.then(() => stream.resume());
    }
  });
  return closed(stream);
}

async function consumeForAwait(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'forAwait' }>,
  stop: Stop,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
  outcome: Outcome,
): Promise<void> {
  let count = 0;
  try {
    for await (const item of stream) {
      onTaken(item);
      onReceived(item);
      if (stop.kind === 'break' && outcome.received.length === stop.after) {
        outcome.stopped = !stream.destroyed;
        break;
      }
      if (consumer.pauseEvery > 0 && ++count % consumer.pauseEvery === 0) await pauseFor(consumer.pause);
    }
  } catch (error) {
    outcome.consumerError = error;
  }
}

async function consumeByMap(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'map' }>,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
  outcome: Outcome,
): Promise<void> {
  // The operator reads through read(): watch it there to see what the stream handed out, and when.
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const item = read(size);
    if (item !== null) onTaken(item);
    return item;
  };
  const mapped = stream.map(
    async (item: unknown) => {
      await pauseFor(consumer.pause);
      return { item };
    },
    { concurrency: consumer.concurrency },
  );
  try {
    for await (const boxed of mapped) onReceived((boxed as { item: unknown }).item);
  } catch (error) {
    outcome.consumerError = error;
  }
}

async function consumeByTwoIterators(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'twoIterators' }>,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
  outcome: Outcome,
): Promise<void> {
  try {
    if (consumer.split > 0) {
      for await (const item of stream.iterator({ destroyOnReturn: false })) {
        onTaken(item);
        onReceived(item);
        if (outcome.taken.length >= consumer.split) break;
      }
    }
    for await (const item of stream) {
      onTaken(item);
      onReceived(item);
    }
  } catch (error) {
    outcome.consumerError = error;
  }
}

async function consumeByPipe(
  stream: WorkerReadable<unknown>,
  consumer: Extract<Consumer, { kind: 'pipe' | 'pipeline' }>,
  stop: Stop,
  onTaken: (item: unknown) => void,
  onReceived: (item: unknown) => boolean,
  outcome: Outcome,
): Promise<void> {
  let writes = 0;
  const sink = new Writable({
    objectMode: true,
    highWaterMark: consumer.sinkHighWaterMark,
    write(chunk: unknown, _encoding: BufferEncoding, callback: Done) {
      // Through a transform, items travel boxed: a Transform drops an `undefined` its callback passes on.
      onReceived(consumer.kind === 'pipeline' ? (chunk as { item: unknown }).item : chunk);
      const waited = consumer.slowEvery > 0 && ++writes % consumer.slowEvery === 0 ? pauseFor(consumer.pause) : null;
      if (waited === null) callback();
      else void waited.then(() => callback());
    },
  });
  // Taken from the stream is when 'data' hands an item to pipe(): the sink's buffer is the consumer's.
  stream.on('data', onTaken);
  if (consumer.kind === 'pipe') {
    const finished = new Promise<void>((resolve) => sink.on('finish', resolve));
    stream.pipe(sink);
    await closed(stream);
    if (stream.readableEnded) await finished;
    else sink.destroy();
    return;
  }
  let index = 0;
  const transform = through2.obj((item: unknown, _encoding: BufferEncoding, callback: Done) => {
    if (stop.kind === 'transformFails' && index++ === stop.after) {
      outcome.stopped = !stream.destroyed;
      outcome.stopError = Object.assign(new Error('the transform failed'), { code: 'E_TRANSFORM' });
      callback(outcome.stopError as Error);
      return;
    }
    callback(null, { item });
  });
  try {
    await pipeline(stream, transform, sink);
  } catch (error) {
    outcome.consumerError = error;
  }
}

/** What the contract says about one run; empty when the run honoured it. */
export function violations(scenario: Scenario, outcome: Outcome): string[] {
  const found: string[] = [];
  const { source, stop, highWaterMark } = scenario;
  const before = available(source);
  const { taken, received } = outcome;
  if (outcome.hung !== null) found.push(`no 'close' ${outcome.hung}`);
  if (taken.length > before)
    found.push(`the stream handed out ${taken.length} items; only ${before} come before the end`);
  for (const [what, items] of [
    ['handed out', taken],
    ['received', received],
  ] as const) {
    const wrong = items.findIndex((item, index) => !isDeepStrictEqual(item, itemAt(source, index)));
    if (wrong !== -1) {
      found.push(
        `item ${wrong} ${what} is ${inspect(items[wrong])}, expected ${inspect(itemAt(source, wrong))}: ` +
          'not exactly a prefix (lost, duplicated or reordered)',
      );
    }
  }
  if (outcome.errors.length > 1) {
    found.push(`'error' fired ${outcome.errors.length} times: ${outcome.errors.map(describeError).join('; ')}`);
  }
  const error = outcome.errors[0];
  const iteratorError = expectedIteratorError(source.failure);
  const isIteratorError = iteratorError !== null && hasCodeAndMessage(error, iteratorError);
  if (isIteratorError && taken.length !== before) {
    found.push(`the iterator's error arrived after only ${taken.length} of the ${before} items before it`);
  }
  if (!outcome.stopped) {
    if (taken.length !== before)
      found.push(`nothing stopped the stream, yet ${taken.length} of ${before} items arrived`);
    if (iteratorError !== null && !isIteratorError) {
      found.push(
        `'error' is ${describeError(error)}; expected the iterator's ${iteratorError.code}: ${iteratorError.message}`,
      );
    }
    if (iteratorError === null && error !== undefined) found.push(`unexpected 'error': ${describeError(error)}`);
    if (
      iteratorError !== null &&
      outcome.consumerError !== undefined &&
      !hasCodeAndMessage(outcome.consumerError, iteratorError)
    ) {
      found.push(`the consumer saw ${describeError(outcome.consumerError)} instead of the iterator's error`);
    }
  } else {
    // Received everything there was: the stop may have come after the natural end had begun.
    const naturalAllowed = taken.length === before && (iteratorError === null ? error === undefined : isIteratorError);
    if (!naturalAllowed && !isIteratorError && !stopErrorAllowed(stop, error, outcome)) {
      found.push(`after ${describeStop(stop)}, 'error' is ${describeError(error)}`);
    }
    if (stop.kind === 'transformFails') {
      // The sink may lose what it still buffers when the pipeline is torn down: count what the stream gave.
      if (taken.length <= stop.after)
        found.push(`the transform failed on item ${stop.after}, yet only ${taken.length} were handed out`);
    } else if ('after' in stop && received.length < stop.after && stop.after <= before) {
      found.push(`the consumer stopped after item ${stop.after}, yet received only ${received.length}`);
    }
  }
  if (outcome.started && !outcome.finallyRan) found.push('the iterator started, but its finally never ran');
  if (outcome.maxAhead > highWaterMark + 1) {
    found.push(
      `${outcome.maxAhead} items were produced and not yet taken at one point; highWaterMark ${highWaterMark} allows ${highWaterMark + 1}`,
    );
  }
  if (!outcome.destroyed) found.push("'close' came but the stream is not destroyed");
  if (outcome.threadsAfter > outcome.threadsBefore) {
    found.push(
      `${outcome.threadsAfter - outcome.threadsBefore} more thread(s) alive after 'close' than before the run`,
    );
  }
  if (!outcome.stopped && source.failure.kind === 'none' && outcome.produced !== source.length) {
    found.push(`the iterator yielded ${outcome.produced} items; it has ${source.length}`);
  }
  return found;
}

function stopErrorAllowed(stop: Stop, error: unknown, outcome: Outcome): boolean {
  const how = stop.kind === 'tick' ? stop.how : stop.kind;
  switch (how) {
    case 'destroy':
      return error === undefined;
    case 'destroyError':
    case 'transformFails':
      return error === outcome.stopError;
    case 'abort':
      return isAbortError(error);
    case 'break':
      return error === undefined || isAbortError(error);
    case 'none':
      return error === undefined;
  }
}

function describeStop(stop: Stop): string {
  switch (stop.kind) {
    case 'none':
      return 'no stop';
    case 'tick':
      return `${stop.how} after ${stop.ticks} ticks`;
    default:
      return `${stop.kind} after ${stop.after} items`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries: every one produces plain data.

export const pauseArb: fc.Arbitrary<Pause> = fc.constantFrom(
  'none',
  'microtask',
  'nextTick',
  'immediate',
  'immediates',
);

const falsyArb = fc.constantFrom<unknown>(0, '', false, undefined, Number.NaN, -0, 0n);

/** Structured-cloneable values that arrive equal (`isDeepStrictEqual`) after the trip; `null` only nested. */
const valueArb: fc.Arbitrary<unknown> = fc
  .anything({
    maxDepth: 3,
    maxKeys: 4,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: false,
    withObjectString: false,
    withSparseArray: false,
    withBoxedValues: false,
  })
  .map((value) => (value === null ? 'was null' : value));

export const poolArb: fc.Arbitrary<unknown[]> = fc.array(
  fc.oneof({ arbitrary: falsyArb, weight: 2 }, { arbitrary: valueArb, weight: 3 }),
  { minLength: 1, maxLength: 6 },
);

/** Lengths 0-5,000, biased to short ones (where the edges are) and shrinking towards 0. */
export const lengthArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 5000 }), weight: 1 },
);

export const highWaterMarkArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2),
  fc.integer({ min: 0, max: 16 }),
  fc.integer({ min: 0, max: 300 }),
);

export const kindArb = fc.constantFrom<SourceSpec['kind']>('sync', 'async', 'syncPromises', 'manual');

/** A source; `failure` picks the failing kinds allowed, at a position clamped to the length. */
export function sourceArb(failures: ReadonlyArray<Failure['kind']>): fc.Arbitrary<SourceSpec> {
  return fc
    .record({
      kind: kindArb,
      length: lengthArb,
      pool: poolArb,
      failure: fc.constantFrom(...failures),
      at: fc.nat({ max: 5000 }),
      pace: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    })
    .map(({ kind, length, pool, failure, at, pace }) => ({
      kind,
      length,
      pool,
      failure: failure === 'none' ? { kind: 'none' as const } : { kind: failure, at: Math.min(at, length) },
      pace,
    }));
}

export const consumerArb: fc.Arbitrary<Consumer> = fc.oneof(
  fc.record({
    kind: fc.constant('read' as const),
    // read(n) with n above highWaterMark is pinned on its own (property.test.ts): Node raises the queue then.
    readSize: fc.constantFrom<'none' | 0 | 1>('none', 0, 1),
    burst: fc.integer({ min: 1, max: 400 }),
    pause: pauseArb,
    unshiftEvery: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
  }),
  fc.record({ kind: fc.constant('map' as const), concurrency: fc.integer({ min: 1, max: 8 }), pause: pauseArb }),
  fc.record({ kind: fc.constant('twoIterators' as const), split: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant('flowing' as const), pauseEvery: fc.nat({ max: 300 }), pause: pauseArb }),
  fc.record({ kind: fc.constant('forAwait' as const), pauseEvery: fc.nat({ max: 300 }), pause: pauseArb }),
  fc.record({
    kind: fc.constantFrom('pipe' as const, 'pipeline' as const),
    sinkHighWaterMark: fc.integer({ min: 1, max: 32 }),
    slowEvery: fc.nat({ max: 50 }),
    pause: pauseArb,
  }),
);

/**
 * Runs `check` on `numRuns` generated values; `check` returns the contract violations it saw. Logs how many
 * cases ran and fails with fast-check's report (seed, path to replay, shrunk counterexample) and the
 * counterexample's violations.
 */
export async function checkProperty<T>(
  t: ExecutionContext,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  check: (value: T) => Promise<string[]>,
): Promise<void> {
  let cases = 0;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    cases++;
    const found = await check(value);
    if (found.length > 0) throw new Error(found.join('\n'));
  });
  const details = await fc.check(property, { numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });
  t.log(
    `${details.numRuns} generated cases passed of ${numRuns} planned` +
      `${details.failed ? `, then ${details.numShrinks} shrinks` : ''} (${cases} runs in all, seed ${details.seed})`,
  );
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    t.fail(`${fc.defaultReportMessage(details) ?? 'property failed'}\nViolations of the counterexample:\n${cause}`);
  } else {
    t.is(details.numRuns, numRuns, 'every planned case ran');
  }
}

/** {@link checkProperty} over scenarios, checked by {@link violations}. */
export function checkScenarios(t: ExecutionContext, arbitrary: fc.Arbitrary<Scenario>, numRuns: number): Promise<void> {
  return checkProperty(t, arbitrary, numRuns, async (scenario) => violations(scenario, await runScenario(scenario)));
}

/** The violations every run must avoid, whatever failed: a hang, a second 'error', a stream left undestroyed,
 * a thread left alive, items that are not exactly the sequence 0, 1, 2, ... (the fault fixtures' items). */
export function commonViolations(outcome: Outcome): string[] {
  const found: string[] = [];
  if (outcome.hung !== null) found.push(`no 'close' ${outcome.hung}`);
  for (const [what, items] of [
    ['handed out', outcome.taken],
    ['received', outcome.received],
  ] as const) {
    const wrong = items.findIndex((item, index) => item !== index);
    if (wrong !== -1) found.push(`item ${wrong} ${what} is ${inspect(items[wrong])}: not exactly a prefix`);
  }
  if (outcome.errors.length > 1) {
    found.push(`'error' fired ${outcome.errors.length} times: ${outcome.errors.map(describeError).join('; ')}`);
  }
  if (!outcome.destroyed) found.push("'close' came but the stream is not destroyed");
  if (outcome.threadsAfter > outcome.threadsBefore) {
    found.push(`${outcome.threadsAfter - outcome.threadsBefore} more thread(s) alive after 'close' than before`);
  }
  return found;
}
