/**
 * Options of {@link walk} and their validation. Main side only.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { errors } from './errors.js';
import type { WorkerReadableOptions } from './options.js';
import type { Entry, StatEntry, WalkError, WalkTask } from './walk-types.js';

/**
 * Options of {@link walk}: what to walk and how, plus the stream options of `WorkerReadable`.
 * @example
 * ```ts
 * walk('src', { include: '*.ts', exclude: ['node_modules', '.git'], maxDepth: 4, sort: true });
 * ```
 */
export interface WalkOptions {
  /**
   * How deep to go, as `find -maxdepth`: `0` yields only the root, `1` the root and what is directly in it.
   * Directories at this depth are yielded but not listed.
   * @default Infinity
   */
  maxDepth?: number;
  /**
   * Follow symbolic links, as `find -L`: a link is reported with its target's type (and `stat`), and a link
   * to a directory is walked. A directory that is its own ancestor (same device and inode) is not entered:
   * it becomes an `ELOOP` {@link WalkError} record. A link whose target is missing stays a `'symlink'`.
   * The root is always followed when it is a link, with or without this option (as `find -H`).
   * @default false
   */
  followSymlinks?: boolean;
  /**
   * Glob patterns (picomatch syntax) an entry's path relative to the root must match to be yielded, as
   * `find -name` / `find -path`: a pattern without `/` matches the entry's name at any depth (`'*.ts'`),
   * one with `/` matches the whole relative path (`'src/**\/*.ts'`). Wildcards match names starting with
   * a dot. Directories that do not match are still walked, so `'*.ts'` finds files at any depth. When
   * set, the root itself is not yielded. Error records are yielded whether they match or not.
   * @default [] (everything)
   */
  include?: string | readonly string[];
  /**
   * Glob patterns (as for `include`) whose matches are neither yielded nor, for directories, read at all,
   * as `find … -prune`. Takes precedence over `include`. The root is never excluded.
   * @default [] (nothing)
   */
  exclude?: string | readonly string[];
  /**
   * List each directory's entries in name order (by UTF-16 code unit, the same in every locale), so the
   * output is reproducible. Otherwise the order is the file system's, as with `find`.
   * @default false
   */
  sort?: boolean;
  /**
   * Add `size`, `mtimeMs`, `mode`, `ino` and `dev` to each entry ({@link StatEntry}). Costs one `lstat` (or
   * `stat` when following links) per entry.
   * @default false
   */
  stat?: boolean;
  /**
   * Make the first failure below the root (a directory that cannot be listed, an entry that vanished before
   * its `stat`, a link loop) the stream's `'error'`, with the system's own error (`code`, `syscall`,
   * `path`), after every entry before it. Otherwise each becomes a {@link WalkError} record in the stream
   * and the walk goes on.
   * @default false
   */
  strict?: boolean;
  /**
   * The queue between the threads, in entries; see `WorkerReadableOptions.highWaterMark`. Larger than
   * `WorkerReadable`'s 64: an entry is small (about 200 bytes on the heap, so 1024 of them about 200 KB),
   * and a directory listing yields its entries in a burst that a larger queue carries in fewer messages
   * (about 1.2x the entries/s of 64 on the bench tree).
   * @default 1024
   */
  highWaterMark?: WorkerReadableOptions['highWaterMark'];
  /** Aborting it stops the walk: `destroy(AbortError)`; see `WorkerReadableOptions.signal`. */
  signal?: WorkerReadableOptions['signal'];
  /**
   * Milliseconds a stopped walk gets before its thread is terminated; see `WorkerReadableOptions.stopTimeout`.
   * @default 1000
   */
  stopTimeout?: WorkerReadableOptions['stopTimeout'];
  /**
   * Passed to `new Worker()`; see `WorkerReadableOptions.worker`.
   * @default { name: 'worker-readable:walk' }
   */
  worker?: WorkerReadableOptions['worker'];
}

/**
 * What a walk with options `O` yields: {@link StatEntry} when `stat: true`, {@link Entry} otherwise, and
 * {@link WalkError} records unless `strict: true`.
 * @typeParam O - the type of the options given to {@link walk}.
 */
export type WalkItem<O extends WalkOptions = WalkOptions> =
  | (O extends {
      /** `stat` given as `true`. */
      stat: true;
    }
      ? StatEntry
      : Entry)
  | (O extends {
      /** `strict` given as `true`. */
      strict: true;
    }
      ? never
      : WalkError);

/** Default values of {@link WalkOptions}, in one place. */
export const WALK_DEFAULTS = Object.freeze({
  /** {@link WalkOptions.maxDepth} */
  maxDepth: Number.POSITIVE_INFINITY,
  /** {@link WalkOptions.followSymlinks} */
  followSymlinks: false,
  /** {@link WalkOptions.sort} */
  sort: false,
  /** {@link WalkOptions.stat} */
  stat: false,
  /** {@link WalkOptions.strict} */
  strict: false,
  /** {@link WalkOptions.highWaterMark} */
  highWaterMark: 1024,
  /** The walk thread's `name`, as diagnostics show it. */
  workerName: 'worker-readable:walk',
});

const WALK_KEYS = new Set(['maxDepth', 'followSymlinks', 'include', 'exclude', 'sort', 'stat', 'strict']);
const STREAM_KEYS = new Set(['highWaterMark', 'signal', 'stopTimeout', 'worker']);

/** The walk's half of the options, for the worker, and the stream's half, for `WorkerReadable`. @internal */
export interface NormalizedWalk {
  readonly task: Omit<WalkTask, 'progress'>;
  readonly stream: WorkerReadableOptions;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRoot(root: unknown): string {
  if (root instanceof URL) {
    if (root.protocol !== 'file:') throw errors.invalidValue('root', 'a path or a file: URL', root.href);
    return fileURLToPath(root);
  }
  if (typeof root !== 'string') throw errors.invalidType('root', 'a string or a file: URL', root);
  if (root === '' || root.includes('\0')) {
    throw errors.invalidValue('root', 'a non-empty path without NUL characters', root);
  }
  return root;
}

function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw errors.invalidType(name, 'a boolean', value);
  return value;
}

function checkMaxDepth(value: unknown): number {
  if (value === undefined) return WALK_DEFAULTS.maxDepth;
  if (typeof value !== 'number') throw errors.invalidType('maxDepth', 'a number', value);
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && value >= 0)) {
    throw errors.invalidValue('maxDepth', 'an integer >= 0 or Infinity', value, RangeError);
  }
  return value;
}

function checkPatterns(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  const patterns: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(patterns)) throw errors.invalidType(name, 'a glob pattern or an array of them', value);
  return patterns.map((pattern, index) => {
    if (typeof pattern !== 'string') throw errors.invalidType(`${name}[${index}]`, 'a string', pattern);
    if (pattern === '') throw errors.invalidValue(`${name}[${index}]`, 'a non-empty glob pattern', pattern);
    return pattern;
  });
}

/** Validates `walk()`'s arguments; throws synchronously. The stream options are checked by
 * `WorkerReadable` itself. @internal */
export function normalizeWalkOptions(root: unknown, options: unknown): NormalizedWalk {
  const path = checkRoot(root);
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw errors.invalidType('options', 'an object', options);
  const stream: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (STREAM_KEYS.has(key)) {
      if (value !== undefined) stream[key] = value;
    } else if (!WALK_KEYS.has(key)) {
      throw errors.unknownKey('options', key, [...WALK_KEYS, ...STREAM_KEYS]);
    }
  }
  if (stream.highWaterMark === undefined) stream.highWaterMark = WALK_DEFAULTS.highWaterMark;
  const worker = stream.worker;
  if (worker === undefined) stream.worker = { name: WALK_DEFAULTS.workerName };
  // Anything else than a plain object is left for WorkerReadable to refuse with its own message.
  else if (isPlainObject(worker) && worker.name === undefined)
    stream.worker = { ...worker, name: WALK_DEFAULTS.workerName };
  return {
    task: {
      root: path,
      maxDepth: checkMaxDepth(options.maxDepth),
      followSymlinks: checkBoolean('followSymlinks', options.followSymlinks, WALK_DEFAULTS.followSymlinks),
      include: checkPatterns('include', options.include),
      exclude: checkPatterns('exclude', options.exclude),
      sort: checkBoolean('sort', options.sort, WALK_DEFAULTS.sort),
      stat: checkBoolean('stat', options.stat, WALK_DEFAULTS.stat),
      strict: checkBoolean('strict', options.strict, WALK_DEFAULTS.strict),
    },
    stream: stream as WorkerReadableOptions,
  };
}
