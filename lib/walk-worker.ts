/**
 * The worker side of `walk()`: an ordinary synchronous generator that `WorkerReadable` runs in its thread.
 * Synchronous on purpose: the transport batches the items of a generator that never awaits, and the
 * `readdirSync` calls it makes block only the worker.
 *
 * The order is `find`'s: pre-order, depth first, each directory listed right after its own entry is
 * yielded, so an error record for a directory that cannot be listed comes right after that directory.
 *
 * It yields chunks of consecutive items (walk-codec.ts), not one item at a time: a run of entries costs one
 * step of the generator and of the transport, not one each. A chunk holds at most the room the transport
 * passes to `next()` (the credit left, and at most a message's worth), so `highWaterMark` still bounds the
 * entries read ahead. It is yielded when full, and before a system call once the previous one went 250 µs
 * ago, even empty (a heartbeat): an entry waits in the worker at most that long plus one `readdir` or
 * `stat`, and a stop is seen as soon, except while filters drop every entry of one huge listing in hand.
 * @internal
 * @module
 */

import { type Dirent, lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Picomatch from 'picomatch';
import { errors } from './errors.js';
import { makeEntry, TypeCode, WalkChunk } from './walk-codec.js';
import type { Frame, Sharing } from './walk-share.js';
import { type EntryType, ProgressCell, type WalkError, type WalkErrorInfo, type WalkTask } from './walk-types.js';

/** Packs each batch of what {@link walk} yields, and counts the items of a chunk (see walk-codec.ts). */
export { packWalk, walkChunkSize } from './walk-codec.js';

/** Matches an entry by its name and its path relative to the root. */
interface Matcher {
  /** Patterns without `/`, matched against the name. */
  readonly name: ((name: string) => boolean) | null;
  /** Patterns with `/`, matched against the relative path. */
  readonly path: ((relativePath: string) => boolean) | null;
}

/** Wildcards match names starting with a dot, as in `find`. */
const PICOMATCH_OPTIONS = Object.freeze({ dot: true });

/** A pattern without `/` matches the name at any depth, as `find -name` does; one with `/`, the whole path
 * relative to the root. Compiled apart: picomatch's own `basename` option would apply to both kinds. */
function compile(patterns: readonly string[]): Matcher | null {
  if (patterns.length === 0) return null;
  // Loaded only when there are patterns: it takes about 6 ms, a fifth of a walk thread's start.
  const picomatch = createRequire(import.meta.url)('picomatch') as typeof Picomatch;
  const names = patterns.filter((pattern) => !pattern.includes('/'));
  const paths = patterns.filter((pattern) => pattern.includes('/'));
  return {
    name: names.length === 0 ? null : picomatch(names, PICOMATCH_OPTIONS),
    path: paths.length === 0 ? null : picomatch(paths, PICOMATCH_OPTIONS),
  };
}

function matches(matcher: Matcher, name: string, relativePath: string): boolean {
  return (matcher.name?.(name) ?? false) || (matcher.path?.(relativePath) ?? false);
}

function direntType(dirent: Dirent): EntryType {
  if (dirent.isFile()) return 'file';
  if (dirent.isDirectory()) return 'directory';
  if (dirent.isSymbolicLink()) return 'symlink';
  return 'other';
}

function statsType(stats: Stats): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Code-unit order: the same in every locale, like `LC_ALL=C sort`. */
function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** An error record for a failed system call. Anything that is not a system error is a bug: rethrown. */
function errorRecord(path: string, name: string, depth: number, error: unknown): WalkError {
  const { code, syscall, errno, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string') throw error;
  const info: WalkErrorInfo = { code, syscall: syscall ?? '', message };
  if (typeof errno === 'number') info.errno = errno;
  return { type: 'error', path, name, depth, error: info };
}

/** Whether a shared walk could hand the entry over (walk-share.ts): a directory, or a link when following
 * links (it may be one). */
export function isShareable(dirent: Dirent, followSymlinks: boolean): boolean {
  return dirent.isDirectory() || (followSymlinks && dirent.isSymbolicLink());
}

function countShareable(dirents: Dirent[], followSymlinks: boolean): number {
  let count = 0;
  for (const dirent of dirents) if (isShareable(dirent, followSymlinks)) count++;
  return count;
}

function countDirectories(dirents: Dirent[]): number {
  let count = 0;
  for (const dirent of dirents) if (dirent.isDirectory()) count++;
  return count;
}

/** The ancestor on the current path with this `dev:ino`, if any. */
function ancestorWithId(stack: Frame[], id: string): Frame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i] as Frame;
    if (frame.id === id) return frame;
  }
  return undefined;
}

/** The chunk being filled, how many items it may hold, and when the previous one was yielded. */
interface Output {
  chunk: WalkChunk;
  room: number;
  since: number;
}

/** Before a system call, a chunk is yielded if the previous one went this long ago, in ms. */
const CHUNK_MAX_AGE_MS = 0.25;

/** Yields the chunk if it holds anything, and starts the next one with the room `next()` gives. Driven
 * directly (the command's formatter), the generator gets no room: chunks then end only at system calls. */
function* flush(out: Output): Generator<WalkChunk, void, number | undefined> {
  if (out.chunk.count > 0) yield* send(out);
}

function* send(out: Output): Generator<WalkChunk, void, number | undefined> {
  const chunk = out.chunk;
  // An empty chunk (a heartbeat) is never kept by the transport: it can be sent again.
  if (chunk.count > 0) out.chunk = new WalkChunk();
  out.room = (yield chunk) ?? Number.POSITIVE_INFINITY;
  out.since = performance.now();
}

/** Before a system call (which may block for long), yields the chunk if the previous one went
 * {@link CHUNK_MAX_AGE_MS} ago: not at every call, as a chunk per directory listing costs the transport a
 * step each, for a dozen entries. Yielded even empty, as a heartbeat: a walk that finds nothing to report
 * (every entry excluded) still sees a stop. */
function* beforeSystemCall(out: Output): Generator<WalkChunk, void, number | undefined> {
  if (performance.now() - out.since >= CHUNK_MAX_AGE_MS) yield* send(out);
}

/**
 * Walks `task.root` and yields its items in chunks; see `walk()` on the main side for the contract. Throws
 * the system's error when the root cannot be read, and with `strict` at the first failure below it, after
 * yielding everything before it. With `sharing`, one of two threads walking the tree (walk-share.ts): the
 * helper (`fromRoot` false) starts with nothing and walks only what it is given.
 */
export function* walk(
  task: WalkTask,
  sharing: Sharing | null = null,
  fromRoot = true,
): Generator<WalkChunk, void, number | undefined> {
  const { maxDepth, followSymlinks, sort, stat, strict } = task;
  const include = compile(task.include);
  const exclude = compile(task.exclude);
  // Relative paths are built only when some pattern needs them.
  const matching = include?.path != null || exclude?.path != null;
  const progress = new Int32Array(task.progress);
  // The first chunk holds one item: the room comes with the next() that follows a yield.
  const out: Output = { chunk: new WalkChunk(), room: 1, since: performance.now() };

  const stack: Frame[] = [];
  if (fromRoot) {
    const first = yield* walkRoot(task, include, out);
    if (first === null) return;
    if (sharing !== null) first.shareable = countShareable(first.dirents, followSymlinks);
    stack.push(first);
  }

  /** A failure below the root: thrown with `strict` (after what came before it), else an error record. */
  function* failed(
    path: string,
    name: string,
    depth: number,
    error: unknown,
  ): Generator<WalkChunk, void, number | undefined> {
    if (strict) {
      yield* flush(out);
      throw error;
    }
    out.chunk.addOther(errorRecord(path, name, depth, error));
    if (out.chunk.count >= out.room) yield* flush(out);
  }

  try {
    for (;;) {
      if (stack.length === 0) {
        if (sharing === null) break;
        const refilled = sharing.refill(stack);
        if (refilled === 'done') break;
        // Waiting for the other thread: a heartbeat, so its output is passed on and a stop is seen.
        if (refilled === 'wait') yield* send(out);
        continue;
      }
      const top = stack[stack.length - 1] as Frame;
      const dirent = top.dirents[top.index++];
      if (dirent === undefined) {
        stack.pop();
        continue;
      }
      const name = dirent.name;
      const depth = top.depth;
      let type = direntType(dirent);
      if (type === 'directory') Atomics.sub(progress, ProgressCell.PENDING, 1);
      if (sharing !== null && isShareable(dirent, followSymlinks)) top.shareable--;
      const relative = matching ? top.relative + name : '';
      if (exclude !== null && matches(exclude, name, relative)) continue;

      let stats: Stats | undefined;
      const isLink = followSymlinks && type === 'symlink';
      // Following links, every directory is checked for a loop (as find -L does, even at the depth limit).
      if (stat || isLink || (followSymlinks && type === 'directory')) {
        yield* beforeSystemCall(out);
        const path = top.prefix + name;
        try {
          if (isLink) {
            // A missing target leaves a plain symlink (`find -L` prints it as a link); a link to itself throws.
            stats = statSync(path, { throwIfNoEntry: false });
            if (stats !== undefined) type = statsType(stats);
          }
          if (stats === undefined && (stat || (followSymlinks && type === 'directory'))) {
            stats = followSymlinks && type === 'directory' ? statSync(path) : lstatSync(path);
          }
        } catch (error) {
          yield* failed(path, name, depth, error);
          continue;
        }
      }

      let id: string | null = null;
      if (followSymlinks && type === 'directory' && stats !== undefined) {
        id = `${stats.dev}:${stats.ino}`;
        const ancestor = ancestorWithId(stack, id);
        if (ancestor !== undefined) {
          // Neither yielded nor entered, as with `find -L`: the entry is the same directory as an ancestor.
          const path = top.prefix + name;
          yield* failed(path, name, depth, errors.fileSystemLoop(path, ancestor.path));
          continue;
        }
      }

      if (include === null || matches(include, name, relative)) {
        out.chunk.addListed(top, name, TypeCode[type], stat ? stats : undefined);
        if (out.chunk.count >= out.room) yield* flush(out);
      }
      if (type !== 'directory' || depth >= maxDepth) continue;

      if (sharing !== null) {
        // Stopped, or the other thread failed: what this one found still goes out (its failure comes after).
        if (sharing.stopped) break;
        const level = sharing.candidate(stack);
        if (level >= 0) {
          // The directories' own lines go out before any of their children's from the other thread.
          out.chunk.urgent = true;
          yield* send(out);
          out.chunk.urgent = false;
          if (sharing.give(stack, level, followSymlinks)) Atomics.add(progress, ProgressCell.SHARED, 1);
        }
      }
      yield* beforeSystemCall(out);
      const path = top.prefix + name;
      let dirents: Dirent[];
      try {
        dirents = readdirSync(path, { withFileTypes: true });
      } catch (error) {
        yield* failed(path, name, depth, error);
        continue;
      }
      if (sort) dirents.sort(byName);
      Atomics.add(progress, ProgressCell.PENDING, countDirectories(dirents));
      Atomics.add(progress, ProgressCell.READ, 1);
      stack.push({
        dirents,
        index: 0,
        shareable: sharing === null ? 0 : countShareable(dirents, followSymlinks),
        prefix: `${path}/`,
        relative: matching ? `${relative}/` : '',
        depth: depth + 1,
        id,
        path,
      });
    }
  } catch (error) {
    // What the walk found before an unexpected failure (a bug, not a system error) still goes first.
    yield* flush(out);
    throw error;
  }
  yield* flush(out);
  if (sharing === null) Atomics.store(progress, ProgressCell.PENDING, 0);
}

/** The root's entry (yielded unless `include` is given) and its frame, or null when it is not a directory
 * to walk. */
function* walkRoot(
  task: WalkTask,
  include: Matcher | null,
  out: Output,
): Generator<WalkChunk, Frame | null, number | undefined> {
  const { root, maxDepth, followSymlinks, sort, stat } = task;
  const progress = new Int32Array(task.progress);
  // The root is followed when it is a link (as `find -H`): the caller named what is behind it.
  const rootStats = statSync(root);
  const rootType = statsType(rootStats);
  const rootName = basename(root) || root;
  const rootEntry = makeEntry(root, rootName, rootType, 0, stat ? rootStats : undefined);
  if (rootType !== 'directory' || maxDepth === 0) {
    if (include === null) {
      out.chunk.addOther(rootEntry);
      yield* flush(out);
    }
    return null;
  }
  // Listed before the root's entry is yielded: an unreadable root fails the stream before any item.
  const rootDirents = readdirSync(root, { withFileTypes: true });
  if (sort) rootDirents.sort(byName);
  if (include === null) {
    out.chunk.addOther(rootEntry);
    if (out.chunk.count >= out.room) yield* flush(out);
  }
  Atomics.store(progress, ProgressCell.READ, 1);
  Atomics.store(progress, ProgressCell.PENDING, countDirectories(rootDirents));
  return {
    dirents: rootDirents,
    index: 0,
    shareable: 0,
    prefix: root.endsWith('/') ? root : `${root}/`,
    relative: '',
    depth: 1,
    id: followSymlinks ? `${rootStats.dev}:${rootStats.ino}` : null,
    path: root,
  };
}
