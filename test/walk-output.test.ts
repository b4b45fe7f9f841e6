/**
 * The `worker-walk` command formats its output in the worker, in pieces (walk-output.ts): a piece goes out
 * once it holds about 64 KiB, so a huge directory never becomes one huge string and a reader that stops
 * early is seen between pieces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { walkOutput } from '../lib/walk-output.js';
import type { WalkTask } from '../lib/walk-types.js';
import { makeTempDir, removeTree } from './walk-tree.js';

const FILES = 6000;
const NAME = (index: number) => `${String(index).padStart(6, '0')}-${'x'.repeat(40)}.txt`;

function task(root: string): WalkTask {
  return {
    root,
    maxDepth: Number.POSITIVE_INFINITY,
    followSymlinks: false,
    include: [],
    exclude: [],
    sort: true,
    stat: false,
    strict: false,
    progress: new SharedArrayBuffer(8),
  };
}

test('a flat directory of 6,000 entries comes in pieces of about 64 KiB, every path once, in order', (t) => {
  const root = makeTempDir();
  try {
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
  } finally {
    removeTree(root);
  }
});
