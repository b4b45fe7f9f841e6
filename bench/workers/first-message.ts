/** A bare worker that posts one message as soon as it runs: the floor of a worker's time to first item. */
import { type MessagePort, parentPort } from 'node:worker_threads';

(parentPort as MessagePort).postMessage(0);
