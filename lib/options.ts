/**
 * Options of {@link WorkerReadable} and their validation. Main side only.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SHARE_ENV, type WorkerOptions } from 'node:worker_threads';
import { errors } from './errors.js';

/**
 * Where the worker module is: a `URL`, a `file:` or `data:` URL string, or a file path (a relative path
 * resolves against `process.cwd()`). Network URLs are refused: only local code runs.
 */
export type ModuleSpecifier = URL | string;

/** The options of `new Worker()` that {@link WorkerReadableOptions.worker} passes through. */
export type WorkerThreadOptions = Pick<
  WorkerOptions,
  'name' | 'resourceLimits' | 'env' | 'execArgv' | 'argv' | 'stdout' | 'stderr' | 'trackUnmanagedFds'
>;

/**
 * Options of {@link WorkerReadable}.
 * @typeParam A - the type of `args`, the arguments the export is called with.
 */
export interface WorkerReadableOptions<A extends readonly unknown[] = readonly unknown[]> {
  /**
   * The named export of the module to run. CommonJS modules' `module.exports` properties count as exports.
   * @default 'default'
   */
  export?: string;
  /**
   * Arguments the export is called with, when it is a function. Each must be structured-cloneable; a
   * `SharedArrayBuffer` is shared with the worker, not copied.
   * @default []
   */
  args?: A;
  /**
   * The queue size in items: the worker never has more than this many items produced and not yet taken by
   * the consumer, plus the one it may be computing. `0` is lock-step: the iterator advances only when the
   * consumer asks. Also the `Readable`'s own `highWaterMark`.
   * @default 64
   */
  highWaterMark?: number;
  /**
   * Aborting it is `destroy(AbortError)`; an already-aborted signal destroys the stream at once and no
   * code runs in a worker.
   * @default undefined (no signal)
   */
  signal?: AbortSignal;
  /**
   * Milliseconds `destroy()` gives the iterator's `finally` blocks (and a finished worker to exit on its own)
   * before the thread is terminated. `Infinity` never terminates; `0` terminates at once.
   * @default 1000
   */
  stopTimeout?: number;
  /**
   * Passed to `new Worker()`: `name` (default `'worker-readable'`), `resourceLimits`, `env`, `execArgv`,
   * `argv`, `stdout`, `stderr`, `trackUnmanagedFds`. Other keys are refused (`ERR_INVALID_ARG_VALUE`): the
   * package owns `workerData`, `transferList` and `eval`.
   *
   * A heap bounded by `resourceLimits` (`maxOldGenerationSizeMb` or `maxYoungGenerationSizeMb`) makes each
   * yielded value cross in a message of its own, before the iterator's next `next()`: V8 kills a thread that
   * runs out of memory inside that call, and nothing it had batched could be sent. So nothing yielded is
   * lost, at the cost of a message per value (small objects: about a sixth of the batched rate, see the
   * README's performance table). An iterator that yields many items per value (the walker's chunks) barely
   * notices.
   * @default { name: 'worker-readable' }
   */
  worker?: WorkerThreadOptions;
}

/** Default option values, in one place. */
export const DEFAULTS = Object.freeze({
  /** {@link WorkerReadableOptions.export} */
  export: 'default',
  /** {@link WorkerReadableOptions.highWaterMark}: crossing threads has a cost per message, so the queue
   * is deeper than a plain object-mode Readable's 16. */
  highWaterMark: 64,
  /** {@link WorkerReadableOptions.stopTimeout}, in ms. */
  stopTimeout: 1000,
  /** The worker thread's `name`, as diagnostics show it. */
  workerName: 'worker-readable',
});

/** Above this the credit arithmetic (32-bit counters compared by difference) could wrap. */
const MAX_HIGH_WATER_MARK = 2 ** 30;

const OPTION_KEYS = new Set(['export', 'args', 'highWaterMark', 'signal', 'stopTimeout', 'worker']);
const WORKER_KEYS = new Set([
  'name',
  'resourceLimits',
  'env',
  'execArgv',
  'argv',
  'stdout',
  'stderr',
  'trackUnmanagedFds',
]);
const SCHEME = /^([a-zA-Z][a-zA-Z\d+.-]*):/;

/** Options after validation and defaults. @internal */
export interface NormalizedOptions {
  readonly module: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
  readonly highWaterMark: number;
  readonly signal: AbortSignal | undefined;
  readonly stopTimeout: number;
  readonly worker: WorkerThreadOptions & { name: string };
}

function moduleUrl(module: unknown): string {
  let url: URL;
  if (module instanceof URL) {
    url = module;
  } else if (typeof module === 'string') {
    if (module === '') throw errors.invalidValue('module', 'a non-empty path or URL', module);
    if (SCHEME.test(module) && !isAbsolute(module)) {
      try {
        url = new URL(module);
      } catch {
        throw errors.invalidValue('module', 'a valid URL', module);
      }
    } else {
      url = pathToFileURL(resolve(module));
    }
  } else {
    throw errors.invalidType('module', 'a URL, a URL string or a path', module);
  }
  if (url.protocol !== 'file:' && url.protocol !== 'data:') {
    throw errors.invalidValue('module', 'a file: or data: URL (only local code runs in the worker)', url.href);
  }
  return url.href;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(name: string, value: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw errors.unknownKey(name, key, [...allowed]);
    }
  }
}

function checkArgs(args: unknown): readonly unknown[] {
  if (!Array.isArray(args)) throw errors.invalidType('args', 'an array', args);
  args.forEach((arg, index) => {
    try {
      structuredClone(arg);
    } catch (cause) {
      throw errors.argsNotCloneable(index, cause);
    }
  });
  return args;
}

function checkHighWaterMark(value: unknown): number {
  if (typeof value !== 'number') throw errors.invalidType('highWaterMark', 'a number', value);
  if (!Number.isInteger(value) || value < 0 || value > MAX_HIGH_WATER_MARK) {
    throw errors.invalidValue('highWaterMark', `an integer from 0 to ${MAX_HIGH_WATER_MARK}`, value, RangeError);
  }
  return value;
}

function checkStopTimeout(value: unknown): number {
  if (typeof value !== 'number') throw errors.invalidType('stopTimeout', 'a number', value);
  if (Number.isNaN(value) || value < 0) {
    throw errors.invalidValue('stopTimeout', 'a number of milliseconds >= 0 (or Infinity)', value, RangeError);
  }
  return value;
}

/** Bounds on `resourceLimits` outside which Node 20 takes the whole process down instead of failing the
 * worker (measured: `stackSizeMb: 0.1`, `codeRangeSizeMb: 1e12`, `maxOldGenerationSizeMb: 0.001`). */
const RESOURCE_LIMITS: Readonly<Record<string, { min: number; max: number }>> = Object.freeze({
  maxOldGenerationSizeMb: { min: 1, max: Number.MAX_SAFE_INTEGER },
  maxYoungGenerationSizeMb: { min: Number.MIN_VALUE, max: Number.MAX_SAFE_INTEGER },
  codeRangeSizeMb: { min: Number.MIN_VALUE, max: 65_536 },
  stackSizeMb: { min: 1, max: Number.MAX_SAFE_INTEGER },
});

function checkResourceLimits(value: unknown): void {
  if (!isPlainObject(value)) throw errors.invalidType('worker.resourceLimits', 'an object', value);
  checkKeys('worker.resourceLimits', value, new Set(Object.keys(RESOURCE_LIMITS)));
  for (const [key, limit] of Object.entries(value)) {
    const name = `worker.resourceLimits.${key}`;
    if (limit === undefined) continue;
    if (typeof limit !== 'number') throw errors.invalidType(name, 'a number', limit);
    const { min, max } = RESOURCE_LIMITS[key] as { min: number; max: number };
    if (!(limit >= min && limit <= max)) {
      throw errors.invalidValue(
        name,
        `a number of megabytes from ${min === Number.MIN_VALUE ? 'above 0' : min} to ${max}`,
        limit,
        RangeError,
      );
    }
  }
}

/** Node turns these into strings itself, except symbols, which make it throw an uncoded TypeError. */
function checkStrings(name: string, value: unknown): void {
  if (!Array.isArray(value)) throw errors.invalidType(name, 'an array', value);
  value.forEach((item, index) => {
    if (typeof item === 'symbol') throw errors.invalidValue(`${name}[${index}]`, 'not a symbol', item);
  });
}

function checkEnv(value: unknown): void {
  if (value === SHARE_ENV) return;
  if (typeof value !== 'object' || value === null) {
    throw errors.invalidType('worker.env', 'an object or worker_threads.SHARE_ENV', value);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'symbol') throw errors.invalidValue(`worker.env.${key}`, 'not a symbol', item);
  }
}

function checkWorker(value: unknown): WorkerThreadOptions & { name: string } {
  if (!isPlainObject(value)) throw errors.invalidType('worker', 'an object', value);
  checkKeys('worker', value, WORKER_KEYS);
  const name = value.name ?? DEFAULTS.workerName;
  if (typeof name !== 'string') throw errors.invalidType('worker.name', 'a string', name);
  if (value.resourceLimits !== undefined) checkResourceLimits(value.resourceLimits);
  if (value.env !== undefined) checkEnv(value.env);
  if (value.execArgv !== undefined) checkStrings('worker.execArgv', value.execArgv);
  if (value.argv !== undefined) checkStrings('worker.argv', value.argv);
  for (const flag of ['stdout', 'stderr', 'trackUnmanagedFds'] as const) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') {
      throw errors.invalidType(`worker.${flag}`, 'a boolean', value[flag]);
    }
  }
  return { ...(value as WorkerThreadOptions), name };
}

/** Validates everything the constructor receives; throws synchronously. @internal */
export function normalizeOptions(module: unknown, options: unknown): NormalizedOptions {
  const url = moduleUrl(module);
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw errors.invalidType('options', 'an object', options);
  checkKeys('options', options, OPTION_KEYS);
  const exportName = options.export ?? DEFAULTS.export;
  if (typeof exportName !== 'string') throw errors.invalidType('export', 'a string', exportName);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw errors.invalidType('signal', 'an AbortSignal', signal);
  }
  return {
    module: url,
    exportName,
    args: checkArgs(options.args ?? []),
    highWaterMark: checkHighWaterMark(options.highWaterMark ?? DEFAULTS.highWaterMark),
    signal,
    stopTimeout: checkStopTimeout(options.stopTimeout ?? DEFAULTS.stopTimeout),
    worker: checkWorker(options.worker ?? {}),
  };
}
