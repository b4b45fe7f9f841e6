/**
 * The main side: an object-mode `Readable` whose items come from an iterator running in a worker thread.
 * @module
 */
import { addAbortSignal, Readable } from 'node:stream';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { errors } from './errors.js';
import {
  type ModuleSpecifier,
  normalizeOptions,
  type WorkerReadableOptions,
  type WorkerThreadOptions,
} from './options.js';
import {
  ahead,
  CELLS,
  Cell,
  PACKING,
  type Packing,
  Phase,
  type StopMessage,
  type WorkerInit,
  type WorkerMessage,
} from './protocol.js';
import { builderFor } from './records.js';
import { deserializeThrown, serializeThrown } from './serialize.js';

const WORKER_ENTRY = new URL('./worker-entry.js', import.meta.url);

/** A flowing consumer takes each item inside `push()`, and never calls `read()`: while a batch is being
 * pushed, credit goes back every 16 items, so the worker produces the next batch while this one drains. */
const MID_BATCH_GRANT_MASK = 15;

type DestroyCallback = (error?: Error | null) => void;

/** Whether `resourceLimits` put a bound on the worker's heap, so that running out of memory is expected. */
function boundsHeap(limits: WorkerThreadOptions['resourceLimits']): boolean {
  return limits?.maxOldGenerationSizeMb !== undefined || limits?.maxYoungGenerationSizeMb !== undefined;
}

/**
 * Runs an iterator in a `worker_threads` Worker and reads its items as an object-mode `Readable`.
 *
 * Whatever works with `Readable.from(iterable)` works the same, except that the iterator's code runs in
 * another thread, so a slow or blocking iterator never blocks this thread's event loop:
 * - `highWaterMark` is the bounded queue between the threads; a consumer that stops reading stops the
 *   iterator, and its first `next()` runs only once the consumer first reads.
 * - `destroy()`, an aborted `signal` and a failure downstream in `pipeline` stop the iterator between two
 *   items, even a synchronous one, and run its `finally` blocks (`throw(err)` first on `destroy(err)`); a
 *   worker still busy after `stopTimeout` ms is terminated. `'close'` comes after the thread has exited.
 * - An exception in the iterator is the stream's `'error'`, after every item yielded before it, with its
 *   class, `code`, `cause` and other properties intact.
 *
 * Items cross by structured clone: same values, not the same objects.
 *
 * @typeParam T - the item type; see {@link ItemOf} to read it from the module's type.
 * @typeParam A - the type of `options.args`; see {@link ArgsOf}.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import through2 from 'through2';
 * import { WorkerReadable } from 'worker-readable';
 *
 * // walk.js exports `async function* walk(root) { ... yield { path, type, depth } }`
 * const entries = new WorkerReadable(new URL('./walk.js', import.meta.url), { export: 'walk', args: ['/usr'] });
 * await pipeline(entries, through2.obj((entry, _, cb) => cb(null, `${entry.path}\n`)), process.stdout);
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds types only, to methods Readable implements.
export class WorkerReadable<T = unknown, A extends readonly unknown[] = readonly unknown[]> extends Readable {
  readonly #highWaterMark: number;
  readonly #stopTimeout: number;
  /** The shared control block; layout in protocol.ts. */
  readonly #control = new Int32Array(new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT));
  #worker: Worker | null = null;
  #stopPort: MessagePort | null = null;
  #dataPort: MessagePort | null = null;
  /** Items pushed into the Readable so far; `#pushed - readableLength` is how many the consumer took. */
  #pushed = 0;
  /** The credit last written to {@link Cell.LIMIT} (exact; the cell holds it modulo 2^32). */
  #limit = 0;
  /** `_read` was called and nothing has been pushed since: the consumer is waiting for us. */
  #awaitingPush = false;
  #hungrySent = false;
  /** The worker reported the iterator's end or failure: no stop is needed, the thread is exiting. */
  #settled = false;
  /** A failure held back until the consumer has taken every item before it. */
  #pendingError: { error: unknown } | null = null;
  /** A tick is queued to release {@link #pendingError}. */
  #releaseQueued = false;
  /** An uncaught error of the thread itself (Node's `'error'` event of the Worker). */
  #fatal: { error: unknown } | null = null;
  /** What cleanup during a stop threw; replaces the destroy error, as with `Readable.from`. */
  #closeError: { error: unknown } | null = null;
  #destroyCallback: DestroyCallback | null = null;
  #destroyError: Error | null = null;
  #exited = false;
  #refed = true;
  #stopTimer: NodeJS.Timeout | null = null;
  /** Unpacks a `'packed'` batch (see {@link Packing}). */
  #decode: ((packed: unknown, emit: (item: unknown) => void) => void) | null = null;
  /** Pushes one item of a batch. A flowing consumer takes it inside `push()` without calling `read()`, so
   * credit also goes back every 16 items here. */
  readonly #emit = (item: unknown): void => {
    this.#pushed++;
    this.push(item);
    if ((this.#pushed & MID_BATCH_GRANT_MASK) === 0) this.#grant();
  };

  /**
   * Starts a worker thread that loads `module` and runs its export. Throws synchronously on invalid options
   * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_WORKER_ARGS_NOT_CLONEABLE`); every later failure
   * is an `'error'` event.
   * @param module - the worker module: a `URL`, a `file:` or `data:` URL string, or a path.
   * @param options - see {@link WorkerReadableOptions}.
   */
  constructor(module: ModuleSpecifier, options?: WorkerReadableOptions<A>) {
    const normalized = normalizeOptions(module, options);
    super({ objectMode: true, highWaterMark: normalized.highWaterMark });
    const packing = (options as { [PACKING]?: Packing } | undefined)?.[PACKING];
    if (packing !== undefined)
      this.#decode = packing.decode as (packed: unknown, emit: (item: unknown) => void) => void;
    this.#highWaterMark = normalized.highWaterMark;
    this.#stopTimeout = normalized.stopTimeout;
    // An already-aborted signal destroys at once, before any thread exists. Otherwise the signal is
    // attached once new Worker() has succeeded, so a constructor that throws leaves no listener behind.
    // (Attached only after super(): destroying synchronously needs the private fields.)
    const signal = normalized.signal;
    if (signal?.aborted) {
      addAbortSignal(signal, this);
      return;
    }

    const stop = new MessageChannel();
    const data = new MessageChannel();
    const init: WorkerInit = {
      module: normalized.module,
      exportName: normalized.exportName,
      args: normalized.args,
      control: this.#control.buffer as SharedArrayBuffer,
      highWaterMark: normalized.highWaterMark,
      stopPort: stop.port2,
      dataPort: data.port2,
      encoder: packing?.encoder ?? null,
      sizer: packing?.sizer ?? null,
      sendEachValue: boundsHeap(normalized.worker.resourceLimits),
    };
    const transferList = [stop.port2, data.port2];
    let worker: Worker;
    try {
      worker = new Worker(WORKER_ENTRY, { ...normalized.worker, workerData: init, transferList });
    } catch (error) {
      stop.port1.close();
      data.port1.close();
      throw error;
    }
    this.#worker = worker;
    this.#stopPort = stop.port1;
    this.#dataPort = data.port1;
    stop.port1.unref();
    data.port1.on('message', this.#onPortMessage.bind(this));
    data.port1.on('messageerror', this.#onMessageError.bind(this));
    worker.on('error', this.#onWorkerError.bind(this));
    worker.on('exit', this.#onExit.bind(this));
    if (signal !== undefined) addAbortSignal(signal, this);
    // Listeners ref the worker (PITFALLS 12); nobody is waiting for an item yet.
    this.#syncRef();
  }

  /** @internal Node's hook: the consumer wants more. */
  override _read(): void {
    if (this.#releasePendingError()) return;
    if (this.#settled || this.#dataPort === null) return;
    this.#awaitingPush = true;
    this.#grant();
    this.#syncRef();
  }

  /**
   * `Readable.read()`, unchanged for the caller. Overridden because every way of consuming a `Readable`
   * (`pipe`, `'data'`, `for await`, operators) takes items through it: right after an item leaves the
   * buffer is when the worker can be granted room for another.
   */
  override read(size?: number): T | null;
  /** `Readable`'s own declaration: keeps the stream a `NodeJS.ReadableStream` for APIs that ask for one
   * (`finished()`, `addAbortSignal()`); a call picks the first. */
  // biome-ignore lint/suspicious/noExplicitAny: Readable's own declaration, needed for assignability.
  override read(size?: number): any;
  override read(size?: number): T | null {
    const chunk = super.read(size) as T | null;
    if (!this.#releasePendingError()) {
      this.#grant();
      this.#syncRef();
    }
    return chunk;
  }

  /** @internal Node's hook: stop the worker, and call back once its thread has exited. */
  override _destroy(error: Error | null, callback: DestroyCallback): void {
    this.#pendingError = null;
    const worker = this.#worker;
    if (worker === null || this.#exited) {
      callback(error);
      return;
    }
    this.#destroyError = error;
    this.#destroyCallback = callback;
    this.#syncRef();
    // A settled stream's thread is already on its way out, with its terminate timer armed (#settle).
    if (this.#settled) return;
    if (Atomics.compareExchange(this.#control, Cell.PHASE, Phase.BOOT, Phase.CANCELLED) === Phase.BOOT) {
      // No user code has run yet and none will: nothing to clean up cooperatively.
      this.#armTerminate(0);
      return;
    }
    // The error goes by message, read synchronously by the worker once it sees the flag.
    const stop: StopMessage = {
      type: 'stop',
      error: error === null || error === undefined ? null : serializeThrown(error),
    };
    this.#stopPort?.postMessage(stop);
    Atomics.store(this.#control, Cell.STOP, 1);
    Atomics.notify(this.#control, Cell.STOP);
    this.#ring();
    this.#armTerminate(this.#stopTimeout);
  }

  /** Grants the worker room for `highWaterMark` items beyond what the consumer took, and wakes it. */
  #grant(): void {
    if (this.#settled || this.#worker === null) return;
    const control = this.#control;
    const length = this.readableLength;
    let limit = this.#pushed - length + this.#highWaterMark;
    // Node calls `_read` before removing the chunk being read (PITFALLS 6), and with highWaterMark 0 the
    // room above is nil: a waiting consumer always has at least one item requested.
    // Only while the buffer is within highWaterMark: read(n) with n > highWaterMark raises the Readable's
    // own mark, and it would then keep asking for one more, past the queue's bound.
    if (this.#awaitingPush && limit <= this.#pushed && length <= this.#highWaterMark) limit = this.#pushed + 1;
    if (limit > this.#limit) {
      this.#limit = limit;
      Atomics.store(control, Cell.LIMIT, limit);
    }
    const hungry = this.#awaitingPush && length === 0;
    if (hungry && !this.#hungrySent) {
      this.#hungrySent = true;
      Atomics.store(control, Cell.HUNGRY, 1);
    }
    if (
      Atomics.load(control, Cell.WAITING) !== 0 &&
      (hungry || ahead(this.#limit, Atomics.load(control, Cell.WANT)) >= 0) &&
      Atomics.compareExchange(control, Cell.WAITING, 1, 0) === 1
    ) {
      this.#ring();
    }
  }

  #ring(): void {
    Atomics.add(this.#control, Cell.BELL, 1);
    Atomics.notify(this.#control, Cell.BELL);
  }

  /** Keeps the process alive exactly while someone waits on this stream: a consumer waiting for an item
   * on an empty buffer, or a stream finishing (so `await pipeline()` and `'close'` complete). A stream with
   * items its consumer has not taken does not, however much room its queue has left. */
  #syncRef(): void {
    const worker = this.#worker;
    if (worker === null || this.#exited) return;
    const waitedOn = this.#awaitingPush && this.readableLength === 0;
    const keep = waitedOn || this.#settled || this.#destroyCallback !== null;
    if (keep === this.#refed) return;
    this.#refed = keep;
    if (keep) {
      worker.ref();
      this.#dataPort?.ref();
    } else {
      worker.unref();
      this.#dataPort?.unref();
    }
  }

  /** Handles a message, then takes the messages queued behind it at once: each one Node dispatches as an
   * event costs this thread several microseconds more than `receiveMessageOnPort`. */
  #onPortMessage(message: WorkerMessage): void {
    this.#onMessage(message);
    if (this.#dataPort !== null) this.#takeQueued(this.#dataPort);
  }

  /** Handles, in order, every message queued on `port`. */
  #takeQueued(port: MessagePort): void {
    for (let queued = receiveMessageOnPort(port); queued !== undefined; queued = receiveMessageOnPort(port)) {
      this.#onMessage(queued.message as WorkerMessage);
    }
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'batch':
      case 'records':
      case 'packed':
        this.#onItems(message);
        return;
      case 'end':
        this.#settle();
        this.#awaitingPush = false;
        this.push(null);
        this.#syncRef();
        return;
      case 'error':
        if (this.#destroyCallback !== null) {
          if (message.duringStop) {
            this.#closeError = { error: message.isStopError ? this.#destroyError : deserializeThrown(message.error) };
          }
          return;
        }
        this.#settle();
        this.#fail(deserializeThrown(message.error));
        return;
      default:
        this.#fail(errors.internal(`unknown message ${JSON.stringify(message)}`));
    }
  }

  /** The iterator is finished and the thread on its way out. Only a handle left open by the user's module
   * could hold it: it gets stopTimeout to go, so no thread outlives its stream, read or not. */
  #settle(): void {
    this.#settled = true;
    this.#armTerminate(this.#stopTimeout);
  }

  /** Pushes a batch's items, one by one (a synchronous 'data' handler may read, and #grant must see exact
   * counts), then grants what the consumer's reads have freed. */
  #onItems(message: Extract<WorkerMessage, { type: 'batch' | 'records' | 'packed' }>): void {
    if (message.type === 'packed' && this.#decode === null) {
      this.#fail(errors.internal('a packed batch, and no decoder'));
      return;
    }
    this.#awaitingPush = false;
    this.#hungrySent = false;
    switch (message.type) {
      case 'batch':
        for (const item of message.items) this.#emit(item);
        break;
      case 'records': {
        const { keys, values } = message.records;
        const build = builderFor(keys);
        for (let at = 0; at < values.length; at += keys.length) this.#emit(build(values, at));
        break;
      }
      case 'packed':
        this.#decode?.(message.packed, this.#emit);
        break;
    }
    this.#grant();
    this.#syncRef();
  }

  #onMessageError(error: Error): void {
    this.destroy(error);
  }

  #onWorkerError(error: Error): void {
    this.#fatal = { error };
  }

  #onExit(exitCode: number): void {
    // Node drains only its own port before 'exit'; what the thread sent last on ours comes first.
    const port = this.#dataPort;
    if (port !== null) {
      this.#takeQueued(port);
      port.close();
    }
    this.#exited = true;
    if (this.#stopTimer !== null) clearTimeout(this.#stopTimer);
    this.#stopPort?.close();
    const callback = this.#destroyCallback;
    if (callback !== null) {
      this.#destroyCallback = null;
      const failure = this.#closeError ?? this.#fatal;
      callback((failure ? failure.error : this.#destroyError) as Error | null);
      return;
    }
    if (!this.#settled) {
      this.#settled = true;
      this.#fail(this.#countLost(this.#fatal ? this.#fatal.error : errors.exited(exitCode)));
    }
  }

  /** The thread died before the iterator finished. Killed mid-batch (out of memory), it took the items it had
   * not sent yet with it: `lostItems` says how many, so a loss is never silent. Everything it did send has
   * been pushed by now. */
  #countLost(error: unknown): unknown {
    // Not on an error of the user's own that is frozen or already has such a property.
    if (
      typeof error === 'object' &&
      error !== null &&
      Object.isExtensible(error) &&
      !Object.hasOwn(error, 'lostItems')
    ) {
      (error as { lostItems?: number }).lostItems = ahead(this.#control[Cell.YIELDED] as number, this.#pushed);
    }
    return error;
  }

  /** Ends the stream with `error` once the consumer has taken every item already pushed. */
  #fail(error: unknown): void {
    if (this.destroyed) return;
    this.#pendingError = { error };
    this.#awaitingPush = false;
    this.#syncRef();
    this.#releasePendingError();
  }

  /**
   * Destroys with the held-back error once the buffer is empty; true if an error is held back. The destroy
   * waits a tick, as `'end'` does after the last item is read: until then that item can be put back with
   * `unshift()`, and the error then waits for it to be read again.
   */
  #releasePendingError(): boolean {
    if (this.#pendingError === null) return false;
    if (this.readableLength === 0 && !this.#releaseQueued) {
      this.#releaseQueued = true;
      process.nextTick(() => {
        this.#releaseQueued = false;
        const pending = this.#pendingError;
        if (pending === null || this.readableLength > 0) return;
        this.#pendingError = null;
        this.destroy(pending.error as Error);
      });
    }
    return true;
  }

  #armTerminate(delay: number): void {
    const worker = this.#worker;
    // setTimeout turns delays beyond 2^31-1 ms into 1 ms; such a delay means "never" here.
    if (worker === null || this.#stopTimer !== null || delay > 2 ** 31 - 1) return;
    this.#stopTimer = setTimeout(() => void worker.terminate(), delay);
    this.#stopTimer.unref();
  }
}

/**
 * The item type `T` where `Readable`'s own declarations say `any`: iteration, `toArray()` and the events.
 * Declarations only; the behaviour is `Readable`'s.
 *
 * Events, as on any `Readable`:
 * - `'data'` (`item: T`): one item, in the order the iterator yielded it.
 * - `'end'`: the iterator finished and every item has been read.
 * - `'error'` (`error: Error`): the iterator threw (the error as thrown, after every item yielded before
 *   it), or the machinery failed (an `ErrorCode`); at most once, and no `'end'` after it.
 * - `'close'`: always last, after `'end'`, `'error'` or `destroy()`, and only once the worker thread has
 *   exited.
 */
// biome-ignore lint/correctness/noUnusedVariables: merged declarations must repeat the class's type parameters.
export interface WorkerReadable<T = unknown, A extends readonly unknown[] = readonly unknown[]> {
  /** Iterates the items; leaving the loop early (`break`, `return`, a throw) destroys the stream, which
   * stops the iterator in the worker and runs its `finally` blocks. */
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<T>;
  /** The same iterator, as `Readable` types it: this overload keeps the stream a `NodeJS.ReadableStream` for
   * APIs that ask for one (`finished()`, `addAbortSignal()`); `for await` picks the first. */
  // biome-ignore lint/suspicious/noExplicitAny: Readable's own declaration, needed for assignability.
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<any>;
  /** Reads every item into an array. */
  toArray(options?: { signal?: AbortSignal }): Promise<T[]>;
  /** `'data'`: one item, in order. */
  on(event: 'data', listener: (item: T) => void): this;
  /** `'error'`: the iterator's error, or a machinery failure with an `ErrorCode`; at most once. */
  on(event: 'error', listener: (error: Error) => void): this;
  /** `'end'`: every item has been read. `'close'`: last of all, once the thread has exited. */
  on(event: 'end' | 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this;
  /** Any other event, as on `Readable`. */
  on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  /** `'data'`: one item, in order. */
  once(event: 'data', listener: (item: T) => void): this;
  /** `'error'`: the iterator's error, or a machinery failure with an `ErrorCode`; at most once. */
  once(event: 'error', listener: (error: Error) => void): this;
  /** `'end'`: every item has been read. `'close'`: last of all, once the thread has exited. */
  once(event: 'end' | 'close' | 'pause' | 'readable' | 'resume', listener: () => void): this;
  /** Any other event, as on `Readable`. */
  once(event: string | symbol, listener: (...args: unknown[]) => void): this;
}
