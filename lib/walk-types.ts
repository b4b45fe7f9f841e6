/**
 * What the directory walker yields, and what the main side hands to the walk running in the worker. Both
 * threads import this file; it holds no code beyond the layout of the progress cells.
 * @module
 */

/**
 * The kind of an {@link Entry}, from the directory listing (`d_type`) without an extra system call:
 * - `'file'`: a regular file;
 * - `'directory'`;
 * - `'symlink'`: a symbolic link, not followed (or, with `followSymlinks`, a link whose target is missing);
 * - `'other'`: a FIFO, socket, or block or character device.
 *
 * With `followSymlinks`, a link is reported with the type of its target, as `find -L` does.
 */
export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

/**
 * One file system entry found by the walk.
 * @example
 * ```ts
 * { path: 'src/lib/walk.ts', name: 'walk.ts', type: 'file', depth: 2 }
 * ```
 */
export interface Entry {
  /** The root as given, joined with `/` to the names below it (as `find` prints it). */
  path: string;
  /** The last component of `path` (for the root too: `'share'` for `/usr/share/`; `'/'` for `/`). */
  name: string;
  /** What kind of entry it is. */
  type: EntryType;
  /** 0 for the root, 1 for the entries directly in it, and so on. */
  depth: number;
}

/**
 * An {@link Entry} with the fields of its `fs.Stats`, yielded when the `stat` option is on. They come from
 * `lstat` (the link itself), or with `followSymlinks` from `stat` (the link's target, when it exists).
 */
export interface StatEntry extends Entry {
  /** Size in bytes. */
  size: number;
  /** Last modification time, in milliseconds since the epoch. */
  mtimeMs: number;
  /** File type and permission bits. */
  mode: number;
  /** Inode number (a `number`: exact up to 2^53). */
  ino: number;
  /** Device id. */
  dev: number;
}

/**
 * What went wrong at one place in the walk: the system error's own `code`, `syscall` and `message`.
 * `errno` is there when the operating system gave one (not for `ELOOP` from loop detection).
 */
export interface WalkErrorInfo {
  /** The error code, such as `'EACCES'`, `'ENOENT'` or `'ELOOP'`. */
  code: string;
  /** The operation that failed: `'scandir'` (listing a directory), `'lstat'`, `'stat'`, or `'walk'` for a
   * loop found by the walker itself. */
  syscall: string;
  /** The system's message, with the path. */
  message: string;
  /** The negative error number, when there is one. */
  errno?: number;
}

/**
 * A place the walk could not read, yielded in the stream, in order, where its contents would have been:
 * right after the entry of a directory that could not be listed (its contents are missing), or instead of
 * an entry whose `lstat`/`stat` failed, or instead of a symbolic link that leads back to one of its own
 * ancestors when following links (the loop is not followed; `find -L` reports it the same way).
 *
 * Error records are never filtered out by `include`, and never silently dropped. With `strict: true`, the
 * first such failure is the stream's `'error'` instead, with the original error.
 * @example
 * ```ts
 * { type: 'error', path: 'root/private', name: 'private', depth: 1,
 *   error: { code: 'EACCES', syscall: 'scandir', errno: -13, message: "EACCES: permission denied, scandir 'root/private'" } }
 * ```
 */
export interface WalkError {
  /** Always `'error'`: tells an error record from an {@link Entry}. */
  type: 'error';
  /** The path that could not be read. */
  path: string;
  /** The last component of `path`. */
  name: string;
  /** The depth `path` has in the walk. */
  depth: number;
  /** What went wrong. */
  error: WalkErrorInfo;
}

/** What the worker-side walk receives: the validated options, cloneable. @internal */
export interface WalkTask {
  readonly root: string;
  readonly maxDepth: number;
  readonly followSymlinks: boolean;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly sort: boolean;
  readonly stat: boolean;
  readonly strict: boolean;
  /** Shared with the main side: see {@link ProgressCell}. */
  readonly progress: SharedArrayBuffer;
}

/** Cells of the progress block the worker writes and the main side reads. @internal */
export const ProgressCell = Object.freeze({
  /** Directories listed so far. */
  READ: 0,
  /** Directories found and still to be listed. */
  PENDING: 1,
  /** Times one thread of a shared walk handed directories to the other (walk-share.ts). */
  SHARED: 2,
});

/** Number of cells in the progress block. @internal */
export const PROGRESS_CELLS = 3;
