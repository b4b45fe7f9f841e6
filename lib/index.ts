/**
 * Run any iterator in a worker thread and read it as an object-mode `Readable`.
 * @module worker-readable
 */
export { ErrorCode, type ErrorCodeValue, type WorkerReadableError } from './errors.js';
export { DEFAULTS, type ModuleSpecifier, type WorkerReadableOptions, type WorkerThreadOptions } from './options.js';
export type { ArgsOf, ExportArgs, ExportItem, ItemOf, IterableItem } from './types.js';
export { WorkerReadable } from './worker-readable.js';
