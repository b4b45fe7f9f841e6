/**
 * The worker side of the `worker-walk` command: runs the same walk as `walk()` and formats its output in
 * the worker, so what crosses to the main thread is text in large chunks rather than one cloned object per
 * entry (the clone costs more than the directory listing itself). The main thread only writes the text.
 * @internal
 * @module
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { listedEntry, visitWalk, type WalkChunk } from './walk-codec.js';
import { Sharing } from './walk-share.js';
import type { Entry, WalkError, WalkTask } from './walk-types.js';
import { walk } from './walk-worker.js';

/** How entries are printed: paths ending in a newline or a NUL, NDJSON, or only counted. */
export type OutputFormat = 'lines' | 'null' | 'json' | 'count';

/** What the helper thread of a shared walk starts with (walk-helper.ts). */
export interface HelperInit {
  readonly task: WalkTask;
  readonly format: OutputFormat;
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** One piece of the command's output. */
export interface OutputChunk {
  /** What goes to stdout, as it is. */
  readonly text: string;
  /** Entries in this chunk (error records not counted). */
  readonly entries: number;
  /** Error records met in this chunk, for stderr. */
  readonly errors: WalkError[];
}

/** A chunk goes out once it holds about this many characters... */
const CHUNK_CHARS = 64 * 1024;
/** ...or once its first entry has waited this long: a slow walk still shows its entries as they come. */
const MAX_DELAY_MS = 20;
/** The most entries the walk hands over at once: about 64 KiB of paths. */
const CHUNK_ENTRIES = 1024;

/** Walks as `walk(task)` does and yields its output formatted, in chunks. A walk error (strict, or the
 * root) is thrown after the output before it has been yielded. With `threads` 2 (and no `sort`), a helper
 * thread walks part of the tree (walk-share.ts) and its output is yielded along with this thread's. */
export function* walkOutput(
  task: WalkTask,
  format: OutputFormat,
  threads = 1,
): Generator<OutputChunk, void, undefined> {
  const sharing = threads >= 2 && !task.sort ? startHelper(task, format) : null;
  try {
    yield* formatWalk(walk(task, sharing), format, sharing);
  } finally {
    // Ended, failed or stopped: a helper still walking stops at its next directory.
    sharing?.stop();
    sharing?.close();
  }
}

/** Starts the helper thread of a shared walk; null when no thread can be had (a limit on threads, say):
 * this thread then walks it all. */
function startHelper(task: WalkTask, format: OutputFormat): Sharing<OutputChunk> | null {
  const control = Sharing.control();
  const { port1, port2 } = new MessageChannel();
  const init: HelperInit = { task, format, control, port: port2 };
  let helper: Worker;
  try {
    helper = new Worker(new URL('./walk-helper.js', import.meta.url), {
      workerData: init,
      transferList: [port2],
      name: 'worker-walk helper',
    });
  } catch {
    port1.close();
    return null;
  }
  // A helper that fails to start never asks for work, and this thread walks alone; one that fails later says
  // so in a message (walk-helper.ts). The helper never keeps this thread alive: the walk waits for it through
  // shared memory.
  helper.on('error', ignoreHelperError);
  helper.unref();
  return new Sharing<OutputChunk>(control, 0, port1);
}

function ignoreHelperError(): void {}

/** Formats the chunks of a walk; with `sharing`, also yields the helper's output as it comes. */
export function* formatWalk(
  chunks: Generator<WalkChunk, void, number | undefined>,
  format: OutputFormat,
  sharing: Sharing<OutputChunk> | null,
): Generator<OutputChunk, void, undefined> {
  const separator = format === 'null' ? '\0' : '\n';
  let text = '';
  let entries = 0;
  let errors: WalkError[] = [];
  let started = -1;
  let lastYield = performance.now();
  try {
    // Driven with a room, so a chunk holds at most CHUNK_ENTRIES entries and the checks below run often.
    for (let next = chunks.next(); !next.done; next = chunks.next(CHUNK_ENTRIES)) {
      const chunk = next.value;
      if (started < 0 && chunk.count > 0) started = performance.now();
      // Listed entries are printed from their columns, without building the entry objects.
      visitWalk(
        chunk,
        (prefix, depth, index) => {
          entries++;
          if (format === 'json') text += `${JSON.stringify(listedEntry(chunk, prefix, depth, index))}\n`;
          else if (format !== 'count') text += prefix + (chunk.names[index] as string) + separator;
        },
        (other) => {
          const item = other as Entry | WalkError;
          if (item.type === 'error') errors.push(item);
          else entries++;
          if (format === 'json') text += `${JSON.stringify(item)}\n`;
          else if (format !== 'count' && item.type !== 'error') text += item.path + separator;
        },
      );
      // The helper's output first: a directory it handed over has its line in there (walk-share.ts).
      if (sharing !== null) {
        const pieces = sharing.takePieces();
        if (pieces.length > 0) {
          yield* pieces;
          lastYield = performance.now();
        }
      }
      const now = performance.now();
      if (started >= 0 && (chunk.urgent || text.length >= CHUNK_CHARS || now - started >= MAX_DELAY_MS)) {
        yield { text, entries, errors };
        text = '';
        entries = 0;
        errors = [];
        started = -1;
        lastYield = now;
      } else if (chunk.count === 0 && now - lastYield >= MAX_DELAY_MS) {
        // A heartbeat of the walk, with nothing to print for a while (patterns that match nothing, or waiting
        // for the helper): an empty piece, so the stream still sees a stop.
        yield { text: '', entries: 0, errors: [] };
        lastYield = now;
      }
    }
    // The helper's last output was posted before the walk could end; then its failure, if it failed.
    if (sharing !== null) {
      for (let pieces = sharing.takePieces(); pieces.length > 0; pieces = sharing.takePieces()) yield* pieces;
    }
  } catch (error) {
    if (started >= 0) yield { text, entries, errors };
    throw error;
  } finally {
    // Stopped early (a reader that went away): the walk is closed as for-of would close it.
    chunks.return();
  }
  if (started >= 0) yield { text, entries, errors };
}
