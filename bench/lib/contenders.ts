/**
 * The main side of every contender: each opens a `Readable` of the items of one iterator of
 * workers/sources.ts, in this thread or through a worker, and says how to release it afterwards.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { Worker } from 'node:worker_threads';
import type { Observable } from 'threads/observable';
import { WorkerReadable } from 'worker-readable';
import { open, type SourceSpec } from '../workers/spec.js';

const SOURCES = new URL('../workers/sources.js', import.meta.url);
const workerUrl = (name: string): URL => new URL(`../workers/${name}.js`, import.meta.url);

/** Which transport a contender uses. */
export type Transport =
  | { kind: 'in-thread' }
  | { kind: 'naive' }
  | { kind: 'naive-bounded' }
  | { kind: 'batched' }
  | { kind: 'web-stream' }
  | { kind: 'threads' }
  /** `boundedHeapMb`: `worker.resourceLimits.maxOldGenerationSizeMb`, which makes each value go alone. */
  | { kind: 'worker-readable'; highWaterMark: number; boundedHeapMb?: number };

/** A contender's stream, and how to release what it holds once the stream has ended. */
export interface Opened {
  stream: Readable;
  release(): Promise<void>;
}

/** A label for tables, e.g. "WorkerReadable hwm 64". */
export function describe(transport: Transport): string {
  switch (transport.kind) {
    case 'in-thread':
      return 'in-thread Readable.from';
    case 'naive':
      return 'naive: postMessage per item';
    case 'naive-bounded':
      return 'naive bounded: round trip per item';
    case 'batched':
      return 'reference: batched postMessage';
    case 'web-stream':
      return 'transferred web ReadableStream';
    case 'threads':
      return 'threads Observable';
    case 'worker-readable':
      return transport.boundedHeapMb === undefined
        ? `WorkerReadable hwm ${transport.highWaterMark}`
        : `WorkerReadable hwm ${transport.highWaterMark}, heap ${transport.boundedHeapMb} MB`;
  }
}

export async function openContender(transport: Transport, spec: SourceSpec): Promise<Opened> {
  switch (transport.kind) {
    case 'in-thread':
      return { stream: Readable.from(open(spec)), release: async () => {} };
    case 'naive':
      return openNaive(spec);
    case 'naive-bounded':
      return openNaiveBounded(spec);
    case 'batched':
      return openBatched(spec);
    case 'web-stream':
      return openWebStream(spec);
    case 'threads':
      return openThreads(spec);
    case 'worker-readable':
      return openWorkerReadable(spec, transport.highWaterMark, transport.boundedHeapMb);
  }
}

/** Resolves once the worker has exited. Call it right after creating the worker: `'exit'` may come in the
 * same turn as the last message, before a later listener would be attached. Never rejects. */
export function exitOf(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/**
 * A hand-written port: a worker whose messages `onMessage` turns into pushes on a Readable. Destroying the
 * stream terminates the worker, a thread error destroys the stream; `read` is the stream's `read()`, and
 * with `endOnExit` the stream ends when the thread exits.
 */
function portStream(
  name: string,
  spec: SourceSpec,
  onMessage: (stream: Readable, message: unknown) => void,
  { read, endOnExit }: { read?: (worker: Worker) => void; endOnExit: boolean },
): Opened {
  const worker = new Worker(workerUrl(name), { workerData: spec });
  const exited = exitOf(worker);
  const stream = new Readable({
    objectMode: true,
    read() {
      read?.(worker);
    },
    destroy(error, callback) {
      void worker.terminate().then(() => callback(error));
    },
  });
  worker.on('message', (message: unknown) => onMessage(stream, message));
  worker.on('error', (error) => stream.destroy(error));
  if (endOnExit) worker.on('exit', () => stream.push(null));
  return { stream, release: () => exited };
}

/** The original recipe: push every message into a Readable that never says "enough" (`read()` is a
 * no-op), end it when the thread exits. */
function openNaive(spec: SourceSpec): Opened {
  return portStream('naive', spec, (stream, item) => stream.push(item), { endOnExit: true });
}

/** Like the naive port, but each message is an array of items. */
function openBatched(spec: SourceSpec): Opened {
  const onMessage = (stream: Readable, items: unknown) => {
    for (const item of items as unknown[]) stream.push(item);
  };
  return portStream('batched', spec, onMessage, { endOnExit: true });
}

/** One request per `_read()`, one item per answer: at most one item in flight. */
function openNaiveBounded(spec: SourceSpec): Opened {
  const onMessage = (stream: Readable, message: unknown) => {
    const result = message as { done: boolean; value?: unknown };
    stream.push(result.done ? null : result.value);
  };
  return portStream('naive-bounded', spec, onMessage, {
    read: (worker) => worker.postMessage('next'),
    endOnExit: false,
  });
}

/** `ReadableStream.from` in the worker, transferred here, adapted with `Readable.fromWeb`. */
async function openWebStream(spec: SourceSpec): Promise<Opened> {
  const worker = new Worker(workerUrl('web-stream'), { workerData: spec });
  const exited = exitOf(worker);
  const [web] = (await once(worker, 'message')) as [ReadableStream<unknown>];
  const stream = Readable.fromWeb(web, { objectMode: true });
  async function release(): Promise<void> {
    worker.postMessage('done');
    await exited;
  }
  return { stream, release };
}

interface ThreadsApi {
  items(spec: SourceSpec): Observable<unknown>;
}

/** The `threads` package: `spawn` a worker that `expose`s an Observable, subscribe, push into a Readable.
 * Imported lazily: `threads` installs process-wide signal handlers that other contenders should not carry. */
async function openThreads(spec: SourceSpec): Promise<Opened> {
  const threads = await import('threads');
  // threads resolves the path against the calling file's directory, even an absolute one.
  const thread = await threads.spawn<ThreadsApi>(new threads.Worker('../workers/threads-observable.js'));
  const stream = new Readable({ objectMode: true, read() {} });
  thread.items(spec).subscribe({
    next: (item) => stream.push(item),
    error: (error) => stream.destroy(error as Error),
    complete: () => stream.push(null),
  });
  return { stream, release: () => threads.Thread.terminate(thread) };
}

function openWorkerReadable(spec: SourceSpec, highWaterMark: number, boundedHeapMb?: number): Opened {
  const worker = boundedHeapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: boundedHeapMb } };
  const stream = new WorkerReadable(SOURCES, { export: spec.source, args: spec.args, highWaterMark, worker });
  async function release(): Promise<void> {
    if (!stream.closed) await once(stream, 'close');
  }
  return { stream, release };
}
