/**
 * The naive port of the original recipe, worker side: one `postMessage` per item, as fast as the iterator
 * goes, with no backpressure (the queue between the threads is unbounded). The main side ends the stream
 * when the thread exits.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { isAsync, open, type SourceSpec } from './spec.js';

const port = parentPort as MessagePort;
const iterable = open(workerData as SourceSpec);
if (isAsync(iterable)) {
  for await (const item of iterable) port.postMessage(item);
} else {
  for (const item of iterable) port.postMessage(item);
}
