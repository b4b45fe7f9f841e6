/**
 * Judging and generating for the reliability suites: `violations` checks what a run recorded against the
 * contract, the arbitraries generate plain-data scenarios, and `checkProperty` runs fast-check with a
 * readable report (seed, path, shrunk counterexample and its violations).
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { type Failure, itemAt, type SourceSpec } from './fixtures/scenario.js';
import {
  available,
  type Consumer,
  describeError,
  expectedIteratorError,
  type Outcome,
  type Pause,
  runScenario,
  type Scenario,
  type Stop,
} from './reliability-helpers.js';

/** A seed to replay a failure (`WR_SEED`, printed by every property). */
const SEED = process.env.WR_SEED === undefined ? undefined : Number(process.env.WR_SEED);

function hasCodeAndMessage(error: unknown, expected: { code: string; message: string }): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === expected.code && message === expected.message;
}

const INVALID_DATE = Symbol('Invalid Date');

/** A copy with every Invalid Date replaced by one symbol, for the value shapes {@link valueArb} generates. */
function markInvalidDates(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? INVALID_DATE : value;
  if (Array.isArray(value)) return value.map(markInvalidDates);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [markInvalidDates(k), markInvalidDates(v)]));
  if (value instanceof Set) return new Set([...value].map(markInvalidDates));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markInvalidDates(v)]));
  return value;
}

/**
 * `isDeepStrictEqual`, except that two Invalid Dates are equal: Node 20 compares dates' times with `!==`,
 * so `new Date(NaN)` is not deep-equal to itself there.
 */
export function sameItem(actual: unknown, expected: unknown): boolean {
  return isDeepStrictEqual(actual, expected) || isDeepStrictEqual(markInvalidDates(actual), markInvalidDates(expected));
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
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
    const wrong = items.findIndex((item, index) => !sameItem(item, itemAt(source, index)));
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

/** Structured-cloneable values that arrive equal (`isDeepStrictEqual`) after the trip ({@link sameItem}); `null` only nested. */
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
    // read(n) above highWaterMark makes Node raise its queue size; the credit must not follow it.
    readSize: fc.constantFrom<'none' | number>('none', 0, 1, 64, 1000),
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

/** A `stream.pipeline` into a slow Writable: the one consumer with a transform that can fail downstream. */
export const pipelineConsumerArb: fc.Arbitrary<Consumer> = fc.record({
  kind: fc.constant('pipeline' as const),
  sinkHighWaterMark: fc.integer({ min: 1, max: 32 }),
  slowEvery: fc.nat({ max: 50 }),
  pause: pauseArb,
});

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
