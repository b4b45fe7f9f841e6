/**
 * The contract between the two threads: the layout of the shared control block and the messages.
 * Both sides import this file; neither imports the other.
 *
 * Counters in the control block are item counts modulo 2^32 (an Int32Array cell wraps), so an endless
 * stream never overflows them: compare them only through {@link ahead}.
 * @internal
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import type { Records } from './records.js';
import type { SerializedThrown } from './serialize.js';

/** Index of each cell of the shared `Int32Array`. */
export const Cell = Object.freeze({
  /** Life phase, see {@link Phase}. Moved by compare-and-swap so start and cancel cannot both win. */
  PHASE: 0,
  /** Non-zero once the main side asked the worker to stop. A flag, not a message: a worker inside a
   * synchronous loop never reads its port (PITFALLS 2). */
  STOP: 1,
  /** How many items the worker may have produced in total (written by the main side only). */
  LIMIT: 2,
  /** 1 while the worker sleeps waiting for {@link Cell.LIMIT} to move (written by both sides). */
  WAITING: 3,
  /** The {@link Cell.LIMIT} the sleeping worker would like before it is woken: waking it for a single
   * item would make one message per item. */
  WANT: 4,
  /** 1 when the consumer waits on an empty buffer: the worker then sends what it has at once. */
  HUNGRY: 5,
  /** Bumped by the main side each time it wakes the worker (credit, hunger or stop). The worker reads it
   * before checking its conditions and sleeps only while it is unchanged, so a wake-up between the check
   * and the sleep is never lost (PITFALLS 5). */
  BELL: 6,
  /** How many items the iterator has yielded in total, written by the worker after each one. Read by the
   * main side only once the thread is gone: a thread killed mid-batch (out of memory) takes its unsent items
   * with it, and this says how many. */
  YIELDED: 7,
});

/** Number of cells in the control block. */
export const CELLS = 8;

/** Values of {@link Cell.PHASE}. */
export const Phase = Object.freeze({
  /** The thread is starting; no user code has run. */
  BOOT: 0,
  /** The worker claimed the right to run user code. */
  RUNNING: 1,
  /** The main side claimed it first: the worker must exit without running user code. */
  CANCELLED: 2,
});

/** `a - b` as a signed 32-bit difference: how far counter `a` is ahead of counter `b`. */
export function ahead(a: number, b: number): number {
  return (a - b) | 0;
}

/** What the main side hands to the worker in `workerData`. */
export interface WorkerInit {
  /** The module to load, as an URL string (`file:` or `data:`). */
  readonly module: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
  readonly control: SharedArrayBuffer;
  readonly highWaterMark: number;
  /** Carries the destroy error to the worker, read with `receiveMessageOnPort`. */
  readonly stopPort: MessagePort;
  /** Carries every {@link WorkerMessage} to the main side, which drains what is still queued on it
   * synchronously when the thread exits (Node drains only its own port before `'exit'`). */
  readonly dataPort: MessagePort;
  /** The export of the same module that packs a batch into one value (see {@link Packing}), or null. */
  readonly encoder: string | null;
  /** The export of the same module that tells how many items a yielded value stands for (see
   * {@link Packing.sizer}), or null. */
  readonly sizer: string | null;
  /** True when `resourceLimits` bound the worker's heap: each yielded value is then sent before the next
   * `next()`, since a thread that runs out of memory dies inside `next()` with whatever it had not sent. */
  readonly sendEachValue: boolean;
}

/**
 * A batch codec of the package's own, for item kinds it knows well (the walker's entries). In the worker,
 * the module's export named `encoder` turns each batch (an array of what the iterator yielded) into one
 * cloneable value; on the main side, `decode` rebuilds the items from it and hands them to `emit`, one by
 * one, in order. Credit is still counted in items, so the queue bound is unchanged.
 */
export interface Packing {
  readonly encoder: string;
  readonly decode: (packed: never, emit: (item: unknown) => void) => void;
  /**
   * The export, if any, that tells how many items one yielded value stands for: the iterator then yields
   * several items at once (a run of directory entries, say) and the credit is still counted in items. Each
   * `next()` then receives the room left (within the credit and {@link Tuning.MAX_BATCH_ITEMS}), and the
   * value it returns must stand for at most that many items; `decode` emits each of them. A value standing
   * for 0 items is a heartbeat: never sent, it only lets the worker see a stop.
   */
  readonly sizer?: string;
}

/** The key of the internal constructor option that carries a {@link Packing}; never part of the API. */
export const PACKING: unique symbol = Symbol('worker-readable.packing');

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: 'batch'; readonly items: unknown[] }
  /** A batch of flat records in columns (see records.ts). */
  | { readonly type: 'records'; readonly records: Records }
  /** A batch packed by the module's own encoder (see {@link Packing}). */
  | { readonly type: 'packed'; readonly packed: unknown }
  | { readonly type: 'end' }
  | {
      readonly type: 'error';
      readonly error: SerializedThrown;
      /** True when the error is the very one `destroy(err)` passed in: the main side then uses its
       * original object rather than a copy. */
      readonly isStopError: boolean;
      /** True when it was thrown by the cleanup a stop ran, and may replace the destroy error (as with
       * `Readable.from`). False for a failure of the iterator that was already on its way when the stream
       * was destroyed: the consumer's destroy then decides the outcome. */
      readonly duringStop: boolean;
    };

/** Main → worker, on the stop port. */
export interface StopMessage {
  readonly type: 'stop';
  readonly error: SerializedThrown | null;
}

/** Transport tuning; measured in bench/, see issue "bench". */
export const Tuning = Object.freeze({
  /** Longest a produced item waits in the worker for its batch to fill, in ms (SPEC: about 1 ms). */
  MAX_BATCH_DELAY_MS: 1,
  /** Most items in one message: bounds how long the main thread spends unpacking one message. */
  MAX_BATCH_ITEMS: 1024,
  /** When the consumer waits on an empty buffer ("hungry"), an item that comes alone after a pause goes at
   * once if the pause was at least this long, in ms (or {@link Tuning.HUNGRY_FLUSH_COST_FACTOR} times what
   * a message costs the worker, if that is more): the iterator is slow, and its items arrive one by one
   * without delay. */
  HUNGRY_FLUSH_AFTER_MS: 0.02,
  /** A hungry consumer's batch goes once its oldest item has waited this long, in ms, or
   * {@link Tuning.HUNGRY_AGE_COST_FACTOR} times what a message costs the worker, if that is more (at most
   * {@link Tuning.MAX_BATCH_DELAY_MS}). Not at every pause: a bursty iterator (a directory walk pauses at
   * each listing) would send a message per pause, and a message that wakes a sleeping thread costs the
   * worker 20-35 µs on a virtual machine. */
  HUNGRY_FLUSH_MAX_MS: 0.25,
  /** See {@link Tuning.HUNGRY_FLUSH_MAX_MS}: messages then take at most about 1/25 of the worker's time. The
   * measured cost includes serialising the batch, not only the wake-up, so once batches are large (a
   * consumer that kept up slowly, a walk) the limit sits at its 1 ms cap; it is lower only while messages
   * are small and cheap. */
  HUNGRY_AGE_COST_FACTOR: 25,
  /** See {@link Tuning.HUNGRY_FLUSH_AFTER_MS}; the message cost is measured (a moving average of
   * `postMessage` durations). */
  HUNGRY_FLUSH_COST_FACTOR: 4,
  /** How long a worker out of credit waits for a quarter of the queue to free up before it takes any room
   * there is. A synchronous iterator's worker blocks on the futex that long, then falls back to
   * `Atomics.waitAsync`, which lets its event loop turn (console output, timers) but wakes slower. */
  SYNC_WAIT_MS: 2,
  /** A synchronous iterator's worker out of credit spins this long for the bell before it blocks. */
  SPIN_MS: 0.1,
});
