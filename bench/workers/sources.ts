/**
 * The iterators every contender runs: in the main thread (`Readable.from`), as a WorkerReadable module, and
 * inside the hand-written workers of the other contenders. Same code, same items, for everyone.
 */
import { readdirSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** An entry as a directory walker yields it. */
export interface Entry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  depth: number;
}

const TYPES = ['file', 'file', 'file', 'directory'] as const;
const DIRS = Array.from({ length: 64 }, (_, index) => `/home/user/projects/app-${index}/node_modules/pkg-${index * 7}`);

/** `count` small objects `{ path, type, depth }`, each with a fresh path string, as a walker yields them. */
export function* smallObjects(count: number): Generator<Entry> {
  for (let index = 0; index < count; index++) {
    yield {
      path: `${DIRS[index & 63]}/lib/file-${index}.js`,
      type: TYPES[index & 3] as Entry['type'],
      depth: index & 7,
    };
  }
}

/** `count` fresh strings of 1024 one-byte characters. */
export function* strings1k(count: number): Generator<string> {
  for (let index = 0; index < count; index++) yield `${index}:`.padEnd(1024, '.');
}

/** `count` fresh 64 KiB byte arrays. */
export function* bytes64k(count: number): Generator<Uint8Array> {
  for (let index = 0; index < count; index++) {
    const bytes = new Uint8Array(65536);
    bytes[0] = index & 255;
    bytes[65535] = (index >> 8) & 255;
    yield bytes;
  }
}

/** An item stamped with the process-wide monotonic clock at the moment it is yielded. */
export interface Stamped {
  seq: number;
  at: bigint;
}

/** An asynchronous iterator that yields one stamped item every `intervalMs` (a timer wait between items). */
export async function* ticks(count: number, intervalMs: number): AsyncGenerator<Stamped> {
  for (let seq = 0; seq < count; seq++) {
    await sleep(intervalMs);
    yield { seq, at: process.hrtime.bigint() };
  }
}

/** A synchronous iterator that holds its thread for `intervalMs` before each stamped item. */
export function* busyTicks(count: number, intervalMs: number): Generator<Stamped> {
  const intervalNs = BigInt(Math.round(intervalMs * 1e6));
  for (let seq = 0; seq < count; seq++) {
    const until = process.hrtime.bigint() + intervalNs;
    while (process.hrtime.bigint() < until) {
      // Busy: this is the work the item costs.
    }
    yield { seq, at: process.hrtime.bigint() };
  }
}

/** `count` items that each cost `rounds` rounds of integer arithmetic (about 1 ns a round). */
export function* cpuHeavy(count: number, rounds: number): Generator<{ seq: number; value: number }> {
  let value = 1;
  for (let seq = 0; seq < count; seq++) {
    for (let round = 0; round < rounds; round++) value = (Math.imul(value, 1103515245) + 12345) | 0;
    yield { seq, value };
  }
}

/** A blocking depth-first walk with `readdirSync` and `statSync`, as a naive synchronous walker does it. */
export function* walkSync(root: string): Generator<Entry> {
  const stack: [string, number][] = [[root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [dir, depth] = next;
    for (const name of readdirSync(dir)) {
      const path = `${dir}/${name}`;
      const stats = statSync(path);
      const type = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
      if (type === 'directory') stack.push([path, depth + 1]);
      yield { path, type, depth: depth + 1 };
    }
  }
}

/** An endless synchronous iterator whose `finally` sets cell 0 of `flag` to 1: proof that it was closed. */
export function* cooperative(flag: SharedArrayBuffer): Generator<number> {
  const cells = new Int32Array(flag);
  try {
    for (let index = 0; ; index++) yield index;
  } finally {
    Atomics.store(cells, 0, 1);
  }
}

/** Yields one item, then never returns from its next `next()`: only `terminate()` stops it. Sets cell 0 of
 * `spinning` to 1 once it is inside that `next()`, so a measurement can wait until it really is stuck. */
export function* spinForever(spinning: SharedArrayBuffer): Generator<number> {
  yield 0;
  const cells = new Int32Array(spinning);
  Atomics.store(cells, 0, 1);
  Atomics.notify(cells, 0);
  for (;;) {
    // Holds the thread: no stop flag is ever read in here.
  }
}
