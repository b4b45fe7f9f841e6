/**
 * Node's transferable web stream, worker side: `ReadableStream.from(iterator)` posted to the main thread.
 * The worker must be kept alive by hand (PITFALLS 8): the stream's internal port does not keep it alive, so
 * the `'message'` listener below (which refs the port) holds it until the main side says it is done.
 */
import { ReadableStream } from 'node:stream/web';
import { type MessagePort, parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import { open, type SourceSpec } from './spec.js';

const port = parentPort as MessagePort;
const stream = ReadableStream.from(open(workerData as SourceSpec));
port.postMessage(stream, [stream as unknown as TransferListItem]);
port.once('message', () => {});
