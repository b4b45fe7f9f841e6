/**
 * The naive bounded port, worker side: one round trip per item. Each request from the main side is answered
 * with exactly one iterator result, so nothing is produced that was not asked for.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { open, type SourceSpec } from './spec.js';

const port = parentPort as MessagePort;
const iterable = open(workerData as SourceSpec);
const iterator =
  Symbol.asyncIterator in iterable
    ? iterable[Symbol.asyncIterator]()
    : (iterable as Iterable<unknown>)[Symbol.iterator]();

async function onRequest(): Promise<void> {
  const result = await iterator.next();
  if (result.done) {
    port.postMessage({ done: true });
    port.off('message', onRequest);
  } else {
    port.postMessage({ done: false, value: result.value });
  }
}

port.on('message', onRequest);
