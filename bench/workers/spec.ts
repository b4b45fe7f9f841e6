/** How the hand-written contender workers are told which iterator of sources.ts to run. */
import { busyTicks, bytes64k, cpuHeavy, smallObjects, strings1k, ticks, walkSync } from './sources.js';

/** The iterators a contender can be asked to run by name. */
const SOURCES = { smallObjects, strings1k, bytes64k, ticks, busyTicks, cpuHeavy, walkSync };

/** The name of an iterator exported by sources.ts. */
export type SourceName = keyof typeof SOURCES;

/** An iterator of sources.ts and the arguments to call it with. Travels as `workerData`. */
export interface SourceSpec {
  source: SourceName;
  args: (number | string)[];
}

/** Calls the named iterator with its arguments. */
export function open(spec: SourceSpec): Iterable<unknown> | AsyncIterable<unknown> {
  const make = SOURCES[spec.source] as (...args: unknown[]) => Iterable<unknown> | AsyncIterable<unknown>;
  return make(...spec.args);
}

export function isAsync(iterable: Iterable<unknown> | AsyncIterable<unknown>): iterable is AsyncIterable<unknown> {
  return typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
