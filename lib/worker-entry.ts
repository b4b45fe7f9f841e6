/**
 * The worker side: loads the user's module, drives its iterator, and sends items in batches within the
 * credit the main side grants in shared memory. Imports only the shared protocol, never the main side.
 * @internal
 * @module
 */
import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { errors } from './errors.js';
import { ahead, Cell, Phase, type StopMessage, Tuning, type WorkerInit, type WorkerMessage } from './protocol.js';
import { encodeRecords } from './records.js';
import { deserializeThrown, serializeThrown } from './serialize.js';

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;
type Encoder = (items: unknown[]) => unknown;
type Sizer = (value: unknown) => number;

/** The module's own packing of batches (see `Packing` in protocol.ts); nulls for plain items. */
interface Codec {
  encode: Encoder | null;
  size: Sizer | null;
}

/** tsx's programmatic API: see importModule. */
const TSX_API = 'tsx/esm/api';

const init = workerData as WorkerInit;
const control = new Int32Array(init.control);
// Never closed here: closing could drop messages still queued for the main side. Without a listener on
// this side it does not keep the thread alive.
const port = init.dataPort;

/** Ref'd only while waiting for credit: `Atomics.waitAsync` alone does not keep a thread alive
 * (PITFALLS 4), but user code awaiting something that can never settle should let the thread end. */
const keepAlive = setInterval(() => {}, 2 ** 30);
keepAlive.unref();

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

/** Reports a failure of the iterator or of loading it (not of a stop's cleanup). */
function postFailure(error: unknown): void {
  post({ type: 'error', error: serializeThrown(error), isStopError: false, duringStop: false });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function hasMethod(value: unknown, key: symbol): boolean {
  return value !== null && value !== undefined && typeof (value as Record<symbol, unknown>)[key] === 'function';
}

/**
 * Imports the user's module. On Node 20, loader hooks given with `--import` (tsx, for one) do not reach
 * worker threads (nodejs/node#47747), so a TypeScript module fails there with ERR_UNKNOWN_FILE_EXTENSION
 * even though the parent runs it fine. When the parent runs under tsx, its `tsImport` API, which does
 * work inside a worker, loads the module instead.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !process.execArgv.some((arg) => arg.includes('tsx'))) throw error;
    // Not a literal, so the bundler leaves it alone: tsx is the user's dependency, never ours.
    const api: string = TSX_API;
    const { tsImport } = (await import(api)) as {
      tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
    };
    return tsImport(url, url);
  }
}

/** Exactly what `Readable.from` does to an iterator when its stream is destroyed. */
async function close(iterator: AnyIterator, error: unknown): Promise<void> {
  const hadError = error !== undefined && error !== null;
  if (hadError && typeof iterator.throw === 'function') {
    const { value, done } = await iterator.throw(error);
    await value;
    if (done) return;
  }
  if (typeof iterator.return === 'function') {
    const { value } = await iterator.return();
    await value;
  }
}

/** The export's value, looked up in the module and, for CommonJS, among the own enumerable properties of
 * `module.exports` (not `toString`, not a function's `name` or `call`). */
function findExport(namespace: Record<string, unknown>, name: string): unknown {
  if (name in namespace) return namespace[name];
  const commonjs = namespace.default;
  const isObject = (typeof commonjs === 'object' && commonjs !== null) || typeof commonjs === 'function';
  const own = isObject ? Object.keys(commonjs as object) : [];
  if (own.includes(name)) return (commonjs as Record<string, unknown>)[name];
  throw errors.exportNotFound(name, init.module, [...new Set([...Object.keys(namespace), ...own])]);
}

/** Turns the export into an iterator, with `Readable.from`'s rules (a string or Buffer is one item). */
async function openIterator(source: unknown): Promise<{ iterator: AnyIterator; isAsync: boolean }> {
  let iterable = typeof source === 'function' ? (source as (...args: unknown[]) => unknown)(...init.args) : source;
  if (isThenable(iterable) && !hasMethod(iterable, Symbol.iterator) && !hasMethod(iterable, Symbol.asyncIterator)) {
    iterable = await iterable;
  }
  if (typeof iterable === 'string' || iterable instanceof Uint8Array) {
    return { iterator: [iterable][Symbol.iterator](), isAsync: false };
  }
  if (hasMethod(iterable, Symbol.asyncIterator)) {
    return { iterator: (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator](), isAsync: true };
  }
  if (hasMethod(iterable, Symbol.iterator)) {
    return { iterator: (iterable as Iterable<unknown>)[Symbol.iterator](), isAsync: false };
  }
  throw errors.notIterable(init.exportName, iterable);
}

/** `value`, within `[low, high]`. */
function bound(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function stopRequested(): boolean {
  return Atomics.load(control, Cell.STOP) !== 0;
}

/** Drives one iterator: produces within credit, batches, flushes, and closes it on stop or failure. */
class Pump {
  readonly #iterator: AnyIterator;
  readonly #isAsync: boolean;
  /** How much credit must be free before a sleeping worker is woken: a quarter of the queue, so batches
   * stay large when the consumer is the bottleneck, yet the worker starts refilling early enough to hide
   * the time a wake-up and a message take. */
  readonly #wakeChunk: number;
  /** A hungry consumer's batch goes once it holds half the queue: the worker keeps producing into the other
   * half while the main thread takes this one. Sent only when the credit ran out, a batch would leave the
   * worker idle for as long as a message takes to wake the main thread (25-50 µs on a virtual machine). */
  readonly #hungryBatch: number;
  #batch: unknown[] = [];
  #batchStart = 0;
  /** When the previous item was added, or production resumed after a wait. */
  #lastItemAt = 0;
  /** Items produced so far (exact; the shared cells hold it modulo 2^32). */
  #produced = 0;
  #limit = 0;
  #flushTimer: NodeJS.Immediate | null = null;
  /** What sending a batch costs this thread, in ms: a moving average of `postMessage` durations. */
  #postCost = 0;
  /** How long the last blocking wait for credit took, in ms (0 after a successful spin). */
  #lastWait = 0;
  /** How long a pause must be for a lone item to go at once to a hungry consumer, in ms; follows
   * {@link #postCost} (see Tuning.HUNGRY_FLUSH_AFTER_MS). */
  #hungryDelay: number = Tuning.HUNGRY_FLUSH_AFTER_MS;
  /** How long a hungry consumer's batch may wait, in ms; follows {@link #postCost} (see
   * Tuning.HUNGRY_FLUSH_MAX_MS). */
  #hungryMaxAge: number = Tuning.HUNGRY_FLUSH_MAX_MS;
  /** True while an async `next()` (or a yielded promise) is pending: a stop then closes at once. */
  #awaiting = false;
  /** Set by the first of end, failure and stop; everything after it is a no-op. */
  #finished = false;

  /** The module's own batch encoder (see `Packing` in protocol.ts), if the main side named one. */
  readonly #encode: Encoder | null;
  /** How many items a yielded value stands for (`Packing.sizer`); null: one each. */
  readonly #size: Sizer | null;
  /** Items in {@link #batch} (more than its length with a sizer). */
  #batchItems = 0;
  /** With a sizer, the room the last `next()` was given. */
  #room = 0;

  constructor(iterator: AnyIterator, isAsync: boolean, codec: Codec) {
    this.#iterator = iterator;
    this.#isAsync = isAsync;
    this.#encode = codec.encode;
    this.#size = codec.size;
    this.#wakeChunk = Math.max(1, Math.floor(init.highWaterMark / 4));
    this.#hungryBatch = Math.max(1, Math.ceil(init.highWaterMark / 2));
    const watch = Atomics.waitAsync(control, Cell.STOP, 0);
    if (watch.async) void watch.value.then(() => this.#onStopSignal());
    // User code may end the thread with process.exit(): items it yielded before still go out.
    process.once('exit', () => this.#flushQuietly());
  }

  #flushQuietly(): void {
    try {
      this.#flush();
    } catch {
      // An uncloneable item at exit: the exit itself is what gets reported.
    }
  }

  /** Runs the iterator to its end, its failure, or a stop. Never rejects. */
  async run(): Promise<void> {
    try {
      for (;;) {
        if (!(await this.#waitForCredit())) return this.#stop();
        // Produce synchronously while credit lasts: a synchronous iterator never yields to the event loop
        // here, which is why the stop flag is read from shared memory between items.
        while (this.#hasCredit()) {
          if (stopRequested()) return this.#stop();
          let value = this.#next();
          if (value instanceof Promise) {
            value = await value;
            if (this.#finished) return;
          }
          if (value === DONE) return this.#end();
          if (value === null) throw errors.nullValue();
          this.#add(value);
        }
      }
    } catch (error) {
      return this.#fail(error);
    }
  }

  /** The next value, or {@link DONE}; a `Promise` of it only when the iterator is asynchronous or yielded a
   * promise, so a synchronous iterator of plain values never pays for an `await`. */
  #next(): unknown {
    const iterator = this.#iterator as Iterator<unknown, unknown, number> | AsyncIterator<unknown, unknown, number>;
    let step: IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
    if (this.#size === null) {
      // As Readable.from: next() without an argument.
      step = iterator.next();
    } else {
      // The module counts its own items (Packing.sizer): it learns how many it may yield at once, within
      // the credit and the room left in the batch (so MAX_BATCH_ITEMS still bounds a message).
      this.#limit = Atomics.load(control, Cell.LIMIT);
      this.#room = Math.min(ahead(this.#limit, this.#produced), Tuning.MAX_BATCH_ITEMS - this.#batchItems);
      step = iterator.next(this.#room);
    }
    if (this.#isAsync) return this.#await(step as Promise<IteratorResult<unknown>>, true);
    const result = step as IteratorResult<unknown>;
    if (result.done) return DONE;
    // Readable.from awaits promises yielded by a synchronous iterator; so do we.
    return isThenable(result.value) ? this.#await(result.value, false) : result.value;
  }

  async #await(pending: PromiseLike<unknown>, isResult: boolean): Promise<unknown> {
    // The iterator may block here: whatever is batched goes out as soon as the event loop is idle.
    if (this.#batch.length > 0) this.#flushSoon();
    this.#awaiting = true;
    try {
      const settled = await pending;
      if (!isResult) return settled;
      const result = settled as IteratorResult<unknown>;
      return result.done ? DONE : result.value;
    } finally {
      this.#awaiting = false;
    }
  }

  #hasCredit(): boolean {
    if (ahead(this.#limit, this.#produced) > 0) return true;
    this.#limit = Atomics.load(control, Cell.LIMIT);
    return ahead(this.#limit, this.#produced) > 0;
  }

  /** Resolves true once there is credit, false once a stop is requested. */
  async #waitForCredit(): Promise<boolean> {
    // At first the worker waits for a good share of the queue to be free, so batches stay large; if the
    // consumer goes quiet instead, any room will do, so an idle queue ends up full.
    let patient = this.#wakeChunk > 1;
    for (;;) {
      const bell = Atomics.load(control, Cell.BELL);
      if (stopRequested()) return false;
      if (this.#hasCredit()) return true;
      // Out of credit: nothing more can join the batch, so send it before sleeping.
      this.#flush();
      Atomics.store(control, Cell.WANT, this.#produced + (patient ? this.#wakeChunk : 1));
      Atomics.store(control, Cell.WAITING, 1);
      // Checked again after announcing the wait: the main side reads WAITING after it writes LIMIT.
      if (!stopRequested() && !this.#hasCredit()) {
        const timedOut = await this.#sleep(bell, patient);
        if (timedOut) patient = false;
      }
      Atomics.store(control, Cell.WAITING, 0);
      this.#lastItemAt = performance.now();
    }
  }

  /** Sleeps until the bell rings; with `briefly`, for at most SYNC_WAIT_MS. Resolves true on a timeout. */
  async #sleep(bell: number, briefly: boolean): Promise<boolean> {
    if (briefly && !this.#isAsync) {
      // A synchronous iterator blocks on the futex: waking that way costs microseconds, against tens
      // through the event loop, and a fast consumer's credit comes back that soon. An async iterator must
      // never block its thread (PITFALLS 3).
      const started = performance.now();
      // Spinning first saves the futex round trip when credit comes back within microseconds (the consumer
      // is draining the previous batch); only while the last wait was that short, so a slow consumer costs
      // one spin, not one per wait.
      if (this.#lastWait <= Tuning.SPIN_MS && this.#spin(bell, started)) return false;
      const timedOut = Atomics.wait(control, Cell.BELL, bell, Tuning.SYNC_WAIT_MS) === 'timed-out';
      this.#lastWait = performance.now() - started;
      return timedOut;
    }
    const wait = Atomics.waitAsync(control, Cell.BELL, bell, briefly ? Tuning.SYNC_WAIT_MS : Number.POSITIVE_INFINITY);
    if (!wait.async) return false;
    keepAlive.ref();
    const result = await wait.value;
    keepAlive.unref();
    return result === 'timed-out';
  }

  /** Spins for the bell for up to SPIN_MS from `started`; true if it rang. */
  #spin(bell: number, started: number): boolean {
    const until = started + Tuning.SPIN_MS;
    do {
      if (Atomics.load(control, Cell.BELL) !== bell) {
        this.#lastWait = 0;
        return true;
      }
    } while (performance.now() < until);
    return false;
  }

  #add(value: unknown): void {
    // Counted before it joins the batch: a value refused is never sent, a heartbeat never joins.
    const count = this.#size === null ? 1 : this.#count(value);
    if (count === 0) return;
    const batch = this.#batch;
    const now = performance.now();
    const gap = now - this.#lastItemAt;
    this.#lastItemAt = now;
    if (batch.length === 0) this.#batchStart = now;
    batch.push(value);
    this.#produced += count;
    // A plain store, not Atomics.store (a fence per item): the main side reads it only after the thread has
    // been joined, which orders it.
    control[Cell.YIELDED] = this.#produced;
    this.#batchItems += count;
    const items = this.#batchItems;
    const age = now - this.#batchStart;
    // With a bounded heap, nothing waits for the next `next()`: V8 kills a thread that runs out of memory
    // inside it, and no code of ours runs in between to send what the batch held.
    // An item that took MAX_BATCH_DELAY_MS or more to come goes at once, consumer waiting or not: the next
    // one will likely take as long, and a synchronous iterator's next() cannot be interrupted to send it.
    if (
      init.sendEachValue ||
      items >= Tuning.MAX_BATCH_ITEMS ||
      age >= Tuning.MAX_BATCH_DELAY_MS ||
      gap >= Tuning.MAX_BATCH_DELAY_MS ||
      (Atomics.load(control, Cell.HUNGRY) !== 0 &&
        ((batch.length === 1 && gap >= this.#hungryDelay) || age >= this.#hungryMaxAge || items >= this.#hungryBatch))
    ) {
      this.#flush();
    }
  }

  /** How many items `value` stands for; checked, as exceeding the room would break the queue's bound. 0 is a
   * heartbeat: nothing to send, but the loop goes round and sees a stop. */
  #count(value: unknown): number {
    const count = (this.#size as Sizer)(value);
    if (!Number.isInteger(count) || count < 0 || count > this.#room) {
      throw errors.internal(`a value standing for ${count} items, with room for ${this.#room}`);
    }
    return count;
  }

  #flushSoon(): void {
    this.#flushTimer ??= setImmediate(() => {
      this.#flushTimer = null;
      try {
        this.#flush();
      } catch (error) {
        void this.#fail(error);
      }
    });
  }

  /** Sends the batch. Throws `ERR_WORKER_ITEM_NOT_CLONEABLE` after sending the items before the culprit. */
  #flush(): void {
    if (this.#flushTimer !== null) {
      clearImmediate(this.#flushTimer);
      this.#flushTimer = null;
    }
    const items = this.#batch;
    if (items.length === 0 || this.#finished) return;
    this.#batch = [];
    this.#batchItems = 0;
    if (Atomics.load(control, Cell.HUNGRY) !== 0) Atomics.store(control, Cell.HUNGRY, 0);
    const started = performance.now();
    this.#send(items);
    this.#postCost += (performance.now() - started - this.#postCost) / 8;
    const cost = this.#postCost;
    this.#hungryDelay = bound(
      Tuning.HUNGRY_FLUSH_COST_FACTOR * cost,
      Tuning.HUNGRY_FLUSH_AFTER_MS,
      Tuning.HUNGRY_FLUSH_MAX_MS,
    );
    this.#hungryMaxAge = bound(
      Tuning.HUNGRY_AGE_COST_FACTOR * cost,
      Tuning.HUNGRY_FLUSH_MAX_MS,
      Tuning.MAX_BATCH_DELAY_MS,
    );
  }

  #send(items: unknown[]): void {
    if (this.#encode !== null) {
      post({ type: 'packed', packed: this.#encode(items) });
      return;
    }
    const records = encodeRecords(items);
    if (records !== null) {
      post({ type: 'records', records });
      return;
    }
    try {
      post({ type: 'batch', items });
    } catch (cause) {
      // Rare path: find the culprit, deliver everything before it, then fail at its position.
      const bad = items.findIndex((item) => {
        try {
          structuredClone(item);
          return false;
        } catch {
          return true;
        }
      });
      const culprit = bad === -1 ? 0 : bad;
      if (culprit > 0) post({ type: 'batch', items: items.slice(0, culprit) });
      throw errors.itemNotCloneable(this.#produced - items.length + culprit, cause);
    }
  }

  #end(): void {
    this.#flush();
    this.#finished = true;
    post({ type: 'end' });
    finish();
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#finished) return;
    try {
      // Items produced before the failure go first.
      this.#flush();
    } catch (cloneError) {
      error = cloneError;
    }
    this.#finished = true;
    this.#batch = [];
    this.#batchItems = 0;
    let reported = error;
    try {
      await close(this.#iterator, error);
    } catch (closeError) {
      reported = closeError || error;
    }
    postFailure(reported);
    finish();
  }

  #onStopSignal(): void {
    // A synchronous loop or a credit wait notices the flag itself; only a pending `await` needs this.
    if (this.#awaiting) void this.#stop();
  }

  /** Closes the iterator because the main side destroyed the stream; unsent items are dropped. */
  async #stop(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#batch = [];
    this.#batchItems = 0;
    const error = readStopError();
    try {
      await close(this.#iterator, error);
    } catch (closeError) {
      // As Readable.from: a failing cleanup replaces the destroy error, unless it is falsy.
      if (closeError)
        post({
          type: 'error',
          error: serializeThrown(closeError),
          isStopError: closeError === error,
          duringStop: true,
        });
    }
    finish();
  }
}

const DONE = Symbol('done');

function readStopError(): unknown {
  const received = receiveMessageOnPort(init.stopPort);
  const message = received?.message as StopMessage | undefined;
  return message?.error ? deserializeThrown(message.error) : undefined;
}

/** Releases what this file holds so the thread can exit on its own once the user's code lets it. */
function finish(): void {
  clearInterval(keepAlive);
  init.stopPort.close();
}

async function main(): Promise<void> {
  // Claim the right to run user code; the main side may have claimed CANCELLED first.
  if (Atomics.compareExchange(control, Cell.PHASE, Phase.BOOT, Phase.RUNNING) !== Phase.BOOT) return finish();
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(init.module);
  } catch (cause) {
    postFailure(errors.moduleLoad(init.module, cause));
    return finish();
  }
  let opened: { iterator: AnyIterator; isAsync: boolean };
  const codec: Codec = { encode: null, size: null };
  try {
    if (stopRequested()) return finish();
    if (init.encoder !== null) codec.encode = findExport(namespace, init.encoder) as Encoder;
    if (init.sizer !== null) codec.size = findExport(namespace, init.sizer) as Sizer;
    opened = await openIterator(findExport(namespace, init.exportName));
  } catch (error) {
    postFailure(error);
    return finish();
  }
  await new Pump(opened.iterator, opened.isAsync, codec).run();
}

void main();
