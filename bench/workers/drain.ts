/**
 * A bare worker that runs an iterator to its end and posts nothing but the item count at the end: the floor
 * of what any worker-based transport can do to the main thread while that iterator runs.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { isAsync, open, type SourceSpec } from './spec.js';

const port = parentPort as MessagePort;
const iterable = open(workerData as SourceSpec);
let count = 0;
if (isAsync(iterable)) {
  for await (const _ of iterable) count++;
} else {
  for (const _ of iterable) count++;
}
port.postMessage(count);
