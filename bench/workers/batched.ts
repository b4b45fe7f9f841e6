/**
 * A reference point, not a product: one `postMessage` per array of up to 1024 items, with no backpressure
 * and no flush timer. It shows what batching alone buys (PITFALLS 7) and what a bounded, low-latency
 * transport gives up against it.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { isAsync, open, type SourceSpec } from './spec.js';

const BATCH = 1024;
const port = parentPort as MessagePort;
const iterable = open(workerData as SourceSpec);
let batch: unknown[] = [];

function add(item: unknown): void {
  batch.push(item);
  if (batch.length === BATCH) {
    port.postMessage(batch);
    batch = [];
  }
}

if (isAsync(iterable)) {
  for await (const item of iterable) add(item);
} else {
  for (const item of iterable) add(item);
}
if (batch.length > 0) port.postMessage(batch);
