/**
 * The `threads` package's worker: exposes one function that returns an Observable of the iterator's items.
 * `threads` sends one message per `next()` and has no backpressure.
 */
import { Observable, type SubscriptionObserver } from 'threads/observable';
import { expose } from 'threads/worker';
import { isAsync, open, type SourceSpec } from './spec.js';

async function pump(spec: SourceSpec, observer: SubscriptionObserver<unknown>): Promise<void> {
  try {
    const iterable = open(spec);
    if (isAsync(iterable)) {
      for await (const item of iterable) observer.next(item);
    } else {
      for (const item of iterable) observer.next(item);
    }
    observer.complete();
  } catch (error) {
    observer.error(error);
  }
}

function items(spec: SourceSpec): Observable<unknown> {
  return new Observable((observer) => {
    void pump(spec, observer);
    return undefined;
  });
}

expose({ items });
