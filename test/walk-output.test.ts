/**
 * The `worker-walk` command formats its output in the worker, in pieces (walk-output.ts): a piece goes out
 * once it holds about 64 KiB, so a huge directory never becomes one huge string and a reader that stops
 * early is seen between pieces.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import { type OutputChunk, walkOutput } from '../lib/walk-output.js';
import { PROGRESS_CELLS, ProgressCell, type WalkTask } from '../lib/walk-types.js';
import { threadCount } from './helpers.js';
import { settledThreadCount } from './reliability-helpers.js';
import { makeFanOut, makeTempDir, removeTree } from './walk-tree.js';

const FILES = 6000;
const NAME = (index: number) => `${String(index).padStart(6, '0')}-${'x'.repeat(40)}.txt`;

function task(root: string, options: Partial<WalkTask> = {}): WalkTask {
  return {
    root,
    maxDepth: Number.POSITIVE_INFINITY,
    followSymlinks: false,
    include: [],
    exclude: [],
    sort: true,
    stat: false,
    strict: false,
    progress: new SharedArrayBuffer(PROGRESS_CELLS * Int32Array.BYTES_PER_ELEMENT),
    ...options,
  };
}

/** Runs `body` on a fresh temporary directory, removed afterwards. */
async function inTempDir(body: (base: string) => unknown): Promise<void> {
  const base = makeTempDir();
  try {
    await body(base);
  } finally {
    removeTree(base);
  }
}

/** Lines whose parent directory has not come before them. */
function orphans(lines: string[], root: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const line of lines) {
    if (line !== root && !seen.has(dirname(line))) found.push(line);
    seen.add(line);
  }
  return found;
}

function linesOf(pieces: Iterable<OutputChunk>): string[] {
  const lines = [...pieces]
    .map((piece) => piece.text)
    .join('')
    .split('\n');
  lines.pop();
  return lines;
}

/** Directories handed between the two threads of a shared walk so far. */
function shared(walkTask: WalkTask): number {
  return Atomics.load(new Int32Array(walkTask.progress), ProgressCell.SHARED);
}

test('a flat directory of 6,000 entries comes in pieces of about 64 KiB, every path once, in order', async (t) => {
  await inTempDir((root) => {
    const flat = join(root, 'flat');
    mkdirSync(flat);
    for (let index = 0; index < FILES; index++) writeFileSync(join(flat, NAME(index)), '');
    const pieces = [...walkOutput(task(root), 'lines')];
    const lineLength = `${flat}/${NAME(0)}\n`.length;
    // A piece closes once it holds 64 KiB, checked after each handful of at most 1,024 entries.
    for (const piece of pieces) t.true(piece.text.length <= 64 * 1024 + 1024 * lineLength, `${piece.text.length}`);
    t.true(pieces.length >= 4, `${pieces.length} pieces`);
    const lines = pieces
      .map((piece) => piece.text)
      .join('')
      .split('\n');
    t.is(lines.pop(), '');
    t.deepEqual(lines, [root, flat, ...Array.from({ length: FILES }, (_, index) => `${flat}/${NAME(index)}`)]);
    t.is(
      pieces.reduce((sum, piece) => sum + piece.entries, 0),
      FILES + 2,
    );
  });
});

test.serial('two threads share an endless walk (links followed): each path once, then a stop ends both', async (t) => {
  const baseline = threadCount();
  await inTempDir(async (base) => {
    const endless = makeFanOut(base);
    const walkTask = task(endless, { followSymlinks: true, sort: false });
    const pieces = walkOutput(walkTask, 'lines', 2);
    const seen = new Set<string>();
    // Read until the helper has been handed work and well after: its output comes through this thread.
    let after = -1;
    for (const piece of pieces) {
      for (const line of piece.text.split('\n').slice(0, -1)) {
        t.false(seen.has(line), `${line} twice`);
        if (line !== endless) t.true(seen.has(dirname(line)), `${line} before its directory`);
        seen.add(line);
        t.regex(line.slice(endless.length), /^(\/[ab])*$/);
      }
      if (after < 0 && shared(walkTask) > 0) after = seen.size;
      if ((after >= 0 && seen.size >= after + 20_000) || seen.size >= 2_000_000) break;
    }
    t.true(shared(walkTask) > 0, 'work was handed to the helper');
    t.log(`${seen.size} paths, directories handed over ${shared(walkTask)} times`);
    t.is(await settledThreadCount(baseline), baseline, 'the stop ended the helper thread');
  });
});

test.serial('two threads walk the same tree as one: the same lines, each once', async (t) => {
  const baseline = threadCount();
  await inTempDir(async (base) => {
    // Links followed to depth 15: 2^16 - 1 paths, long enough a walk that the helper starts well before its
    // end (a thread starts in some 30 ms; the walk takes hundreds).
    const fanOut = makeFanOut(base, 20);
    const options = { followSymlinks: true, sort: false, maxDepth: 15 };
    const one = linesOf(walkOutput(task(fanOut, options), 'lines', 1));
    const twoTask = task(fanOut, options);
    const two = linesOf(walkOutput(twoTask, 'lines', 2));
    t.is(one.length, 2 ** 16 - 1);
    t.is(new Set(two).size, two.length, 'no line twice');
    t.deepEqual(orphans(two, fanOut), [], 'every line after its directory');
    t.deepEqual(two.sort(), one.sort());
    t.true(shared(twoTask) > 0, 'work was handed between the threads');
    t.log(`directories handed over ${shared(twoTask)} times`);
    const counted = [...walkOutput(task(fanOut, options), 'count', 2)].reduce((sum, piece) => sum + piece.entries, 0);
    t.is(counted, one.length);
    t.is(await settledThreadCount(baseline), baseline);
  });
});

test.serial(
  'two threads, strict: a place that cannot be read ends the walk with its error, whichever thread met it',
  async (t) => {
    const baseline = threadCount();
    await inTempDir(async (root) => {
      // Links to themselves (ELOOP when followed) in 19 of 20 subtrees: either thread can meet one first.
      for (let top = 0; top < 20; top++) {
        for (let sub = 0; sub < 300; sub++) mkdirSync(join(root, `d${top}`, `s${sub}`), { recursive: true });
        if (top > 0) symlinkSync('self', join(root, `d${top}`, 'self'));
      }
      for (let run = 0; run < 5; run++) {
        const walkTask = task(root, { sort: false, strict: true, followSymlinks: true });
        const error = t.throws(() => [...walkOutput(walkTask, 'lines', 2)]);
        t.is((error as NodeJS.ErrnoException | undefined)?.code, 'ELOOP', `run ${run}`);
      }
      t.is(await settledThreadCount(baseline), baseline);
    });
  },
);

test('a walk whose patterns match nothing still yields empty pieces now and then, on one thread or two', async (t) => {
  await inTempDir((base) => {
    const endless = makeFanOut(base);
    for (const threads of [1, 2]) {
      const pieces = walkOutput(
        task(endless, { followSymlinks: true, sort: false, include: ['nothing'] }),
        'lines',
        threads,
      );
      // Each is a point where the stream sees a stop; without them a stop would wait for the end of the walk.
      for (let index = 0; index < 3; index++) t.deepEqual(pieces.next().value, { text: '', entries: 0, errors: [] });
      pieces.return();
    }
  });
});
