/** Shared test helpers: fixture paths, probes, and an independent count of the process's threads. */
import { readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { cells } from './fixtures/probe.js';

export { newProbe, Probe, readText, waitForCell } from './fixtures/probe.js';

/** The callback of a through2 transform. */
export type Done = (error?: Error | null, data?: unknown) => void;

/** URL of a compiled fixture module. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/** The OS threads of this process (Linux). A Worker is one thread; counting them proves a worker exited
 * without trusting the library's own word for it. */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** Reads a probe cell. */
export function cell(probe: SharedArrayBuffer, index: number): number {
  return Atomics.load(cells(probe), index);
}

/** Resolves on 'close', or at once if it already came. Unlike `once(stream, 'close')`, it does not
 * reject when 'error' comes first ('error' and 'close' come in the same tick). */
export function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Collects a stream's items and its error (if any), and waits for 'close'. */
export async function drain<T>(stream: Readable): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  const whenClosed = closed(stream);
  let error: unknown;
  try {
    for await (const item of stream) items.push(item as T);
  } catch (caught) {
    error = caught;
  }
  await whenClosed;
  return { items, error };
}

/** Asserts the end state every failure must reach: closed, destroyed, and no thread left behind. */
export function assertClosed(t: ExecutionContext, stream: Readable, baseline: number): void {
  t.true(stream.destroyed, 'stream destroyed');
  t.true(stream.closed, 'stream closed');
  t.is(threadCount(), baseline, 'no worker thread left');
}
