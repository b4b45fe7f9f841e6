/**
 * The machinery of the reliability suites: a scenario is plain data (so fast-check shrinks it to something
 * readable), and `runScenario` plays it against a real WorkerReadable and records what a consumer saw;
 * reliability-checks.ts judges the record and generates the scenarios. Nothing here sleeps or measures time:
 * a run waits on events, and the one deadline below only turns a hang into a readable failure.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect } from 'node:util';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';
import { type Failure, ScenarioProbe, type SourceSpec } from './fixtures/scenario.js';
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

/** How a consumer lets time pass between two reads. */
export type Pause = 'none' | 'microtask' | 'nextTick' | 'immediate' | 'immediates';

export type Consumer =
  /** Paused mode: `read()` (or `read(1)`, or `read(0)` then `read()`) `burst` items, then a pause. */
  | {
      readonly kind: 'read';
      /** `read()`, `read(0)` then `read()`, or `read(n)` (in object mode n only matters above highWaterMark,
       * where Node raises its own queue size to it). */
      readonly readSize: 'none' | number;
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
 * The thread count, given a moment to drop to `expected`. Node joins a worker's thread before its 'exit'
 * event, and 'close' waits for that; but pthread_join returns once the exiting thread has cleared its tid,
 * before the kernel releases the task, and on a loaded machine the exiting thread can wait for a CPU in
 * between: /proc/self/task then still lists it, runnable, for some milliseconds (seen in about 1 run of 60
 * with a load average of 9). Returns at once when the count is already right; a thread that really runs on
 * stays counted, and the bound only ends the wait for it.
 */
export async function settledThreadCount(expected: number): Promise<number> {
  let count = threadCount();
  for (let waited = 0; count > expected && waited < 2000; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
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
      const item =
        consumer.readSize === 'none' || consumer.readSize === 0 ? stream.read() : stream.read(consumer.readSize);
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
