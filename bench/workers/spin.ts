/** A bare worker that says it is ready, then holds its thread forever: what `terminate()` alone costs. */
import { type MessagePort, parentPort } from 'node:worker_threads';

(parentPort as MessagePort).postMessage('ready');
for (;;) {
  // Never yields: only terminate() ends this thread.
}
