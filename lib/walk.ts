/**
 * A directory walk that runs in a worker thread: `find`'s output at fdir's speed, read as an object-mode
 * `Readable` while the main thread's event loop stays free.
 *
 * ```ts
 * import { walk } from 'worker-readable/walk';
 *
 * for await (const entry of walk('/usr/share', { exclude: 'locale' })) {
 *   if (entry.type === 'error') console.error(`${entry.path}: ${entry.error.code}`);
 *   else console.log(entry.path);
 * }
 * ```
 * @module worker-readable/walk
 */
import { PACKING, type Packing } from './protocol.js';
import { unpackWalk } from './walk-codec.js';
import { normalizeWalkOptions, type WalkItem, type WalkOptions } from './walk-options.js';
import { type Entry, PROGRESS_CELLS, ProgressCell, type WalkError, type WalkTask } from './walk-types.js';
import { WorkerReadable } from './worker-readable.js';

export { WALK_DEFAULTS, type WalkItem, type WalkOptions } from './walk-options.js';
export type { Entry, EntryType, StatEntry, WalkError, WalkErrorInfo } from './walk-types.js';

const WALK_WORKER = new URL('./walk-worker.js', import.meta.url);

/** The walker yields chunks of entries in columns, which cross as they are (walk-codec.ts). */
const WALK_PACKING: Packing = { encoder: 'packWalk', decode: unpackWalk, sizer: 'walkChunkSize' };

/**
 * The stream {@link walk} returns: a `WorkerReadable` of the walk's entries and error records, which also
 * tells how far the walk in the worker has got (for a progress display). Create it with {@link walk}.
 * @typeParam T - what it yields; see {@link WalkItem}.
 */
export class WalkStream<T extends Entry | WalkError = Entry | WalkError> extends WorkerReadable<T, [WalkTask]> {
  readonly #progress: Int32Array;

  /** @internal Use {@link walk}. */
  constructor(root: string | URL, options?: WalkOptions) {
    const { task, stream } = normalizeWalkOptions(root, options);
    const progress = new SharedArrayBuffer(PROGRESS_CELLS * Int32Array.BYTES_PER_ELEMENT);
    const args: [WalkTask] = [{ ...task, progress }];
    const workerOptions = { ...stream, export: 'walk', args, [PACKING]: WALK_PACKING };
    super(WALK_WORKER, workerOptions);
    this.#progress = new Int32Array(progress);
  }

  /** Directories the worker has listed so far (read ahead of the consumer by up to `highWaterMark`
   * entries). */
  get directoriesRead(): number {
    return Atomics.load(this.#progress, ProgressCell.READ);
  }

  /** Directories the worker has found and not yet listed or skipped: the work known to be left. */
  get directoriesPending(): number {
    return Atomics.load(this.#progress, ProgressCell.PENDING);
  }
}

/**
 * Walks the directory tree under `root` in a worker thread and streams what it finds: an {@link Entry} for
 * the root and for everything below it, in `find`'s order (pre-order, depth first).
 *
 * - The root itself missing or unreadable is the stream's `'error'`, with the system's `code` (`ENOENT`,
 *   `EACCES`, `ENOTDIR` ...), `syscall` and `path`. A root that is a file yields that one entry.
 * - Below the root, a directory that cannot be listed (no permission, vanished during the walk), an entry
 *   that vanished before its `stat`, or a link loop does not stop the walk and is never dropped: it is a
 *   {@link WalkError} record (`type: 'error'`) in the stream, in order, right where the missing entries
 *   would have been. With `strict: true` it is the stream's `'error'` instead.
 * - Symbolic links are not followed unless `followSymlinks`; loops are never followed.
 * - Everything `WorkerReadable` does holds: backpressure (`highWaterMark`), `destroy()` and `signal` stop
 *   the walk between two entries, `pipeline` and `for await` work as with any `Readable`.
 *
 * Options are validated synchronously (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`).
 *
 * @param root - the directory to walk (a path, or a `file:` URL). Entries' paths start with it as given.
 * @param options - see {@link WalkOptions}.
 * @typeParam O - the options' type; it decides the item type, see {@link WalkItem}.
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import through2 from 'through2';
 * import { walk } from 'worker-readable/walk';
 *
 * await pipeline(
 *   walk('.', { exclude: ['node_modules', '.git'], sort: true }),
 *   through2.obj((entry, _, done) => done(null, entry.type === 'error' ? undefined : `${entry.path}\n`)),
 *   process.stdout,
 * );
 * ```
 * @example
 * ```ts
 * // The sizes of all .log files; a directory that cannot be read fails the whole walk.
 * let total = 0;
 * for await (const entry of walk('/var/log', { include: '*.log', stat: true, strict: true })) total += entry.size;
 * ```
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is "no options given": the plain Entry | WalkError stream.
export function walk<const O extends WalkOptions = {}>(root: string | URL, options?: O): WalkStream<WalkItem<O>> {
  return new WalkStream<WalkItem<O>>(root, options);
}
