/**
 * walk(): the entries of a generated tree are exactly GNU find's and an in-thread reference walk's, with
 * their types and depths; links and loops; the root; sort; stat; stopping.
 */
import { lstatSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';
import { type Entry, type StatEntry, type WalkError, walk } from 'worker-readable/walk';
import { closed, type Done, threadCount } from './helpers.js';
import {
  collect,
  describeEntry,
  entriesOf,
  errorsOf,
  find,
  makeFanOut,
  makeTempDir,
  makeTree,
  ODD_NAMES,
  pathOf,
  referenceWalk,
  removeTree,
} from './walk-tree.js';

let root = '';
let baseline = 0;
test.before(() => {
  root = makeTree();
  baseline = threadCount();
});
test.after.always(() => removeTree(root));

test('every entry, with its type and depth, is what GNU find prints', async (t) => {
  const { items, error } = await collect<Entry | WalkError>(walk(root));
  t.is(error, undefined);
  const expected = find(root);
  t.is(expected.status, 0);
  t.deepEqual(entriesOf(items), expected.entries);
  t.deepEqual(errorsOf(items), []);
  // Not merely the same set: no entry twice.
  t.is(new Set(items.map((item) => item.path)).size, items.length);
});

test('the same entries as an in-thread reference walk (readdir names and lstat)', async (t) => {
  const { items } = await collect<Entry | WalkError>(walk(root));
  t.deepEqual(entriesOf(items), referenceWalk(root));
});

test('with a bounded heap (each chunk sent alone), the same entries in the same order', async (t) => {
  const plain = await collect<Entry | WalkError>(walk(root));
  const bounded = await collect<Entry | WalkError>(
    walk(root, { worker: { resourceLimits: { maxOldGenerationSizeMb: 64 } } }),
  );
  t.is(bounded.error, undefined);
  t.true(bounded.items.length > 10);
  t.deepEqual(bounded.items, plain.items);
});

test('names with spaces, a newline and non-ASCII characters arrive intact, and name is the last component', async (t) => {
  const { items } = await collect<Entry>(walk(root));
  const names = items.filter((item) => item.path.startsWith(`${root}/a/`) && item.depth === 2).map((e) => e.name);
  for (const name of ODD_NAMES) t.true(names.includes(name), JSON.stringify(name));
  for (const item of items.slice(1)) t.true(item.path.endsWith(`/${item.name}`), item.path);
  t.is(items[0]?.name, root.split('/').pop());
});

test('links are not followed by default: they are entries of type symlink, and loops are harmless', async (t) => {
  const { items } = await collect<Entry | WalkError>(walk(root));
  const byPath = new Map(items.map((item) => [item.path, item.type]));
  for (const link of ['link-to-file', 'link-to-dir', 'broken', 'self', 'a/b/up', 'a/b/here']) {
    t.is(byPath.get(`${root}/${link}`), 'symlink', link);
  }
  t.false(items.some((item) => item.path.startsWith(`${root}/link-to-dir/`)));
  t.is(byPath.get(`${root}/fifo`), 'other');
});

test('followSymlinks is find -L: targets typed and walked, loops and ELOOP links become error records', async (t) => {
  const { items, error } = await collect<Entry | WalkError>(walk(root, { followSymlinks: true }));
  t.is(error, undefined);
  const expected = find(root, [], { follow: true });
  t.is(expected.status, 1, 'find -L reports the loops as errors');
  t.deepEqual(entriesOf(items), expected.entries);
  const errors = errorsOf(items)
    .map((record) => `${record.path.slice(root.length + 1)} ${record.error.code} ${record.error.syscall}`)
    .sort();
  // a/b/up is the root, a/b/here is a/b; through link-to-dir the same two loops are met again.
  t.deepEqual(errors, [
    'a/b/here ELOOP walk',
    'a/b/up ELOOP walk',
    'link-to-dir/b/here ELOOP walk',
    'link-to-dir/b/up ELOOP walk',
    'self ELOOP stat',
  ]);
  for (const record of errorsOf(items)) t.true(record.error.message.includes(record.path));
});

test('an error record sits where the entry would have been, with the entry depth', async (t) => {
  const { items } = await collect<Entry | WalkError>(walk(root, { followSymlinks: true, sort: true }));
  const index = items.findIndex((item) => item.path === `${root}/a/b/here`);
  t.is(items[index]?.type, 'error');
  t.is(items[index]?.depth, 3);
  t.is(items[index - 1]?.path, `${root}/a/b/c/deep.txt`, 'after the sibling before it, in name order');
});

test('the root: a file yields one entry; a trailing slash is kept as find keeps it', async (t) => {
  const file = await collect<Entry>(walk(`${root}/a/file.txt`));
  t.deepEqual(file.items, [{ path: `${root}/a/file.txt`, name: 'file.txt', type: 'file', depth: 0 }]);
  const slash = await collect<Entry>(walk(`${root}/src/`, { maxDepth: 1 }));
  t.deepEqual(slash.items.map(describeEntry).sort(), find(`${root}/src/`, ['-maxdepth', '1']).entries);
  const link = await collect<Entry>(walk(`${root}/link-to-dir`, { maxDepth: 0 }));
  t.is(link.items[0]?.type, 'directory', 'a root that is a link is followed (find -H)');
});

test.serial('a missing root is the stream error, with its real code and path, and no item', async (t) => {
  const stream = walk(`${root}/missing`);
  const { items, error } = await collect(stream);
  t.deepEqual(items, []);
  t.like(error, { code: 'ENOENT', syscall: 'stat', path: `${root}/missing` });
  await closed(stream);
  t.is(threadCount(), baseline);
});

test('a file used as a directory below it: ENOTDIR for the root', async (t) => {
  const { error } = await collect(walk(`${root}/a/file.txt/below`));
  t.like(error, { code: 'ENOTDIR' });
});

test('sort: each directory in code-unit name order, the same as a sorted reference walk', async (t) => {
  const { items } = await collect<Entry>(walk(root, { sort: true }));
  t.deepEqual(items.map(describeEntry), referenceWalk(root, true));
});

test('stat: the fields are lstat of each entry; with followSymlinks, stat of the target', async (t) => {
  const { items } = await collect<StatEntry>(walk(root, { stat: true }));
  t.true(items.length > 10);
  for (const item of items) {
    const stats = lstatSync(item.path);
    t.deepEqual(
      { size: item.size, mtimeMs: item.mtimeMs, mode: item.mode, ino: item.ino, dev: item.dev },
      { size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode, ino: stats.ino, dev: stats.dev },
      item.path,
    );
  }
  const followed = await collect<StatEntry>(walk(`${root}/link-to-file`, { stat: true, followSymlinks: true }));
  t.is(followed.items[0]?.ino, statSync(`${root}/a/file.txt`).ino);
  const linked = await collect<StatEntry | WalkError>(walk(root, { stat: true, followSymlinks: true }));
  const entry = linked.items.find((item) => item.path === `${root}/link-to-file`) as StatEntry;
  t.is(entry.type, 'file');
  t.is(entry.ino, statSync(`${root}/a/file.txt`).ino);
  const broken = linked.items.find((item) => item.path === `${root}/broken`) as StatEntry;
  t.is(broken.type, 'symlink');
  t.is(broken.ino, lstatSync(`${root}/broken`).ino);
});

test('a walk stream is a WorkerReadable, and composes with pipeline and a through2 formatter', async (t) => {
  const stream = walk(root);
  t.true(stream instanceof WorkerReadable);
  const lines: string[] = [];
  await pipeline(
    stream,
    through2.obj((entry: Entry, _encoding: BufferEncoding, done: Done) => done(null, `${entry.path}\n`)),
    new Writable({
      objectMode: true,
      write(line: string, _encoding: BufferEncoding, done: Done) {
        lines.push(line);
        done();
      },
    }),
  );
  t.deepEqual(lines.map((line) => line.slice(0, -1)).sort(), referenceWalk(root).map(pathOf).sort());
});

test.serial('destroy() in the middle stops the walk and its thread', async (t) => {
  const stream = walk(root, { highWaterMark: 1 });
  let seen = 0;
  for await (const _ of stream) if (++seen === 3) break;
  await closed(stream);
  t.true(stream.destroyed);
  t.is(threadCount(), baseline);
});

test.serial('an aborted signal stops the walk', async (t) => {
  const controller = new AbortController();
  const stream = walk(root, { signal: controller.signal });
  const first = await stream[Symbol.asyncIterator]().next();
  t.false(first.done);
  controller.abort();
  await closed(stream);
  t.is((stream.errored as Error | null)?.name, 'AbortError');
  t.is(threadCount(), baseline);
});

test('progress: directoriesRead counts the listings, directoriesPending is 0 at the end', async (t) => {
  const stream = walk(root);
  const { items } = await collect<Entry>(stream);
  t.is(stream.directoriesRead, items.filter((item) => item.type === 'directory').length);
  t.is(stream.directoriesPending, 0);
});

test.serial('a reader that fails (EPIPE) in a pipeline stops an endless walk and its thread', async (t) => {
  const base = makeTempDir();
  try {
    let written = 0;
    const stream = walk(makeFanOut(base), { followSymlinks: true });
    const failing = new Writable({
      objectMode: true,
      write(_line: string, _encoding: BufferEncoding, done: Done) {
        if (++written < 5) return done();
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const formatter = through2.obj((entry: Entry, _encoding: BufferEncoding, done: Done) => done(null, entry.path));
    await t.throwsAsync(pipeline(stream, formatter, failing), { code: 'EPIPE' });
    await closed(stream);
    t.true(stream.destroyed);
    t.is(threadCount(), baseline);
  } finally {
    removeTree(base);
  }
});

test.serial('an endless walk that finds nothing to yield still stops when destroyed, cooperatively', async (t) => {
  const base = makeTempDir();
  try {
    // Every entry is filtered out, so no entry is ever yielded; a stopTimeout of 10 minutes means 'close'
    // comes only if the walk itself sees the stop (otherwise the test times out).
    const stream = walk(makeFanOut(base), { followSymlinks: true, include: 'no-such-name', stopTimeout: 600_000 });
    stream.resume();
    while (stream.directoriesRead < 50) await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    await closed(stream);
    t.true(stream.directoriesRead >= 50);
    t.is(threadCount(), baseline);
  } finally {
    removeTree(base);
  }
});
