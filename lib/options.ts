/**
 * Options of {@link WorkerReadable} and their validation. Main side only.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';
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
  /** Aborting it is `destroy(AbortError)`; an already-aborted signal destroys the stream at once and no
   * code runs in a worker. */
  signal?: AbortSignal;
  /**
   * Milliseconds `destroy()` gives the iterator's `finally` blocks (and a finished worker to exit on its own)
   * before the thread is terminated. `Infinity` never terminates; `0` terminates at once.
   * @default 1000
   */
  stopTimeout?: number;
  /** Passed to `new Worker()`: `name` (default `'worker-readable'`), `resourceLimits`, `env`, `execArgv`,
   * `argv`, `stdout`, `stderr`, `trackUnmanagedFds`. */
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
      throw errors.invalidValue(name, `an object with only the keys ${[...allowed].join(', ')}`, `key "${key}"`);
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

function checkWorker(value: unknown): WorkerThreadOptions & { name: string } {
  if (!isPlainObject(value)) throw errors.invalidType('worker', 'an object', value);
  checkKeys('worker', value, WORKER_KEYS);
  const name = value.name ?? DEFAULTS.workerName;
  if (typeof name !== 'string') throw errors.invalidType('worker.name', 'a string', name);
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
