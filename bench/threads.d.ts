// The `threads` package ships typings its `exports` map does not point to (its .mjs entries have no .d.mts),
// so TypeScript's NodeNext resolution cannot find them. These cover the part of its API the bench uses.

declare module 'threads' {
  import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';

  /** A `worker_threads` Worker that resolves a relative path against the caller's file. */
  export class Worker extends NodeWorker {
    constructor(path: string, options?: WorkerOptions);
  }
  /** Waits for the worker's `expose()` and returns a proxy of the exposed functions. */
  export function spawn<Exposed>(worker: Worker, options?: { timeout?: number }): Promise<Exposed>;
  export const Thread: { terminate(thread: unknown): Promise<void> };
}

declare module 'threads/worker' {
  export function expose(exposed: Record<string, (...args: never[]) => unknown>): void;
}

declare module 'threads/observable' {
  export interface SubscriptionObserver<T> {
    next(value: T): void;
    error(error: unknown): void;
    complete(): void;
  }
  export interface Subscription {
    unsubscribe(): void;
  }
  export interface Observer<T> {
    next?(value: T): void;
    error?(error: unknown): void;
    complete?(): void;
  }
  export class Observable<T> {
    constructor(subscriber: (observer: SubscriptionObserver<T>) => undefined | (() => void));
    subscribe(observer: Observer<T>): Subscription;
  }
}
