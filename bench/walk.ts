/**
 * Bench scenario `walk`: directory walkers over one generated tree (about 220,000 entries), side by side.
 *
 * Each run of each contender is a child process of its own (`--child NAME ROOT`), so its peak RSS and its
 * event-loop delay are its own. Contenders run interleaved, in a rotating order, after one warm-up round
 * (which also warms the page cache); figures are medians over the repetitions, with min–max. Every run's
 * entry count is checked against GNU find's, and a mismatch is printed loudly.
 *
 * Figures, per contender: entries/s (entries below the root / wall time of the walk), the same relative to
 * fdir `.sync()`, main-thread event-loop delay p99 and max (`monitorEventLoopDelay` at 1 ms resolution,
 * which the figures include), time to the first entry, peak RSS of the process. Then `worker-walk DIR >
 * /dev/null` against `find DIR > /dev/null`, whole processes, wall time.
 *
 * Run directly: `node build/bench/walk.js [--quick] [--root DIR]`.
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioResult } from './lib/types.js';
import { FULL, makeTree, QUICK } from './make-tree.js';

/** One run of one contender, measured in its own process. */
interface Run {
  /** Entries below the root (the root itself not counted, whatever the walker does with it); null for find,
   * whose output goes to /dev/null (its count is taken apart). */
  entries: number | null;
  ms: number;
  firstMs: number;
  eldP99Ms: number;
  eldMaxMs: number;
  maxRssMb: number;
}

type Walker = (root: string, onFirst: () => void) => Promise<number | null>;

const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../../dist/walk-cli.js', import.meta.url));
const require = createRequire(import.meta.url);

/** A Writable that counts, as a consumer that keeps up. */
function counter(onFirst: () => void): { sink: Writable; count: () => number } {
  let count = 0;
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 64,
    write(_chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
      if (count++ === 0) onFirst();
      done();
    },
  });
  return { sink, count: () => count };
}

async function fdirSync(root: string, onFirst: () => void): Promise<number> {
  const { fdir } = (await import('fdir')) as typeof import('fdir');
  const found = new fdir().withDirs().withFullPaths().crawl(root).sync();
  onFirst();
  return found.length - 1; // withDirs includes the root
}

async function fdirAsync(root: string, onFirst: () => void): Promise<number> {
  const { fdir } = (await import('fdir')) as typeof import('fdir');
  const found = await new fdir().withDirs().withFullPaths().crawl(root).withPromise();
  onFirst();
  return found.length - 1;
}

async function nodelibWalk(root: string, onFirst: () => void): Promise<number> {
  const fsWalk = require('@nodelib/fs.walk') as typeof import('@nodelib/fs.walk');
  const { sink, count } = counter(onFirst);
  await pipeline(fsWalk.walkStream(root), sink);
  return count();
}

async function readdirpStream(root: string, onFirst: () => void): Promise<number> {
  const { readdirp } = (await import('readdirp')) as typeof import('readdirp');
  const { sink, count } = counter(onFirst);
  // lstat: links are entries, not followed, as with every other contender (and find).
  await pipeline(readdirp(root, { type: 'all', lstat: true }), sink);
  return count();
}

async function fastGlobStream(root: string, onFirst: () => void): Promise<number> {
  const fg = require('fast-glob') as typeof import('fast-glob');
  const { sink, count } = counter(onFirst);
  const options = { cwd: root, onlyFiles: false, dot: true, followSymbolicLinks: false };
  await pipeline(fg.stream('**', options), sink);
  return count();
}

function ourWalk(highWaterMark?: number): Walker {
  return async (root, onFirst) => {
    const { walk } = await import('worker-readable/walk');
    const { sink, count } = counter(onFirst);
    await pipeline(walk(root, highWaterMark === undefined ? {} : { highWaterMark }), sink);
    return count() - 1; // the root is an entry
  };
}

/**
 * Not the shipped API: a prototype measuring what a columnar transport would give. The worker yields one
 * item per up to 512 entries, as columns (names, a type code per entry, a prefix and depth per directory),
 * and the main thread rebuilds the same `Entry` objects `walk()` yields. Structured clone of such a chunk
 * costs a fraction of cloning 512 objects with their keys.
 */
const COLUMNAR_WORKER = `data:text/javascript,${encodeURIComponent(`
import { readdirSync } from 'node:fs';
export function* walkColumns(roots, depth) {
  let chunk = { prefixes: [], starts: [], depths: [], names: [], types: [] };
  const stack = roots.map((path) => ({ path, depth })).reverse();
  while (stack.length > 0) {
    const { path, depth } = stack.pop();
    chunk.prefixes.push(path + '/'); chunk.starts.push(chunk.names.length); chunk.depths.push(depth);
    for (const dirent of readdirSync(path, { withFileTypes: true })) {
      const directory = dirent.isDirectory();
      chunk.names.push(dirent.name);
      chunk.types.push(dirent.isFile() ? 0 : directory ? 1 : dirent.isSymbolicLink() ? 2 : 3);
      if (directory) stack.push({ path: path + '/' + dirent.name, depth: depth + 1 });
    }
    if (chunk.names.length >= 512) {
      yield { ...chunk, types: Uint8Array.from(chunk.types) };
      chunk = { prefixes: [], starts: [], depths: [], names: [], types: [] };
    }
  }
  if (chunk.names.length > 0) yield { ...chunk, types: Uint8Array.from(chunk.types) };
}`)}`;

interface Columns {
  prefixes: string[];
  starts: number[];
  depths: number[];
  names: string[];
  types: Uint8Array;
}

const TYPE_NAMES = ['file', 'directory', 'symlink', 'other'] as const;

/** Rebuilds entries from the prototype's chunks, pulling a chunk only when the consumer wants more. */
class ColumnsToEntries extends Readable {
  readonly #chunks: Readable;
  #waiting = false;

  constructor(chunks: Readable) {
    super({ objectMode: true, highWaterMark: 64 });
    this.#chunks = chunks;
    chunks.on('readable', () => {
      if (!this.#waiting) return;
      this.#waiting = false;
      this._read();
    });
    chunks.on('end', () => this.push(null));
    chunks.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    for (;;) {
      const chunk = this.#chunks.read() as Columns | null;
      if (chunk === null) {
        this.#waiting = true;
        return;
      }
      let more = true;
      for (let directory = 0; directory < chunk.prefixes.length; directory++) {
        const prefix = chunk.prefixes[directory] as string;
        const depth = chunk.depths[directory] as number;
        const end = chunk.starts[directory + 1] ?? chunk.names.length;
        for (let index = chunk.starts[directory] as number; index < end; index++) {
          const name = chunk.names[index] as string;
          const type = TYPE_NAMES[chunk.types[index] as number] as string;
          more = this.push({ path: prefix + name, name, type, depth });
        }
      }
      if (!more) return;
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#chunks.destroy();
    callback(error);
  }
}

/** The prototype's worker walking `roots` (at `depth`), rebuilt into entries and counted. */
async function columnarLane(roots: string[], depth: number, onFirst: () => void): Promise<number> {
  const { WorkerReadable } = await import('worker-readable');
  const { sink, count } = counter(onFirst);
  const options = { export: 'walkColumns', args: [roots, depth], highWaterMark: 4 };
  await pipeline(new ColumnsToEntries(new WorkerReadable(COLUMNAR_WORKER, options)), sink);
  return count();
}

function columnarPrototype(root: string, onFirst: () => void): Promise<number> {
  return columnarLane([root], 1, onFirst);
}

/**
 * Not the shipped API: the same prototype split over two worker threads. The main thread lists the root,
 * and each worker walks every other one of its subdirectories; the two streams are consumed side by side,
 * so the output is grouped per subtree but not in `find`'s order. Measures what a second core can add.
 */
async function columnarTwoWorkers(root: string, onFirst: () => void): Promise<number> {
  const { readdirSync } = await import('node:fs');
  const dirents = readdirSync(root, { withFileTypes: true });
  const subdirectories = dirents.filter((dirent) => dirent.isDirectory()).map((dirent) => `${root}/${dirent.name}`);
  const lanes = [0, 1].map((lane) => subdirectories.filter((_, index) => index % 2 === lane));
  const counts = await Promise.all(lanes.map((roots) => columnarLane(roots, 2, onFirst)));
  return dirents.length + counts.reduce((sum, count) => sum + count, 0);
}

function findToDevNull(root: string, onFirst: () => void): Promise<number | null> {
  const devNull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('find', [root], { stdio: ['ignore', devNull, 'inherit'] });
    child.once('spawn', onFirst);
    child.once('error', reject);
    child.once('exit', (code) => {
      closeSync(devNull);
      if (code === 0) resolve(null);
      else reject(new Error(`find exited with ${code}`));
    });
  });
}

/** The contenders, in the table's order. `find` counts are taken apart (its output goes to /dev/null). */
const CONTENDERS: ReadonlyArray<readonly [string, Walker]> = [
  ['fdir .sync()', fdirSync],
  ['fdir .withPromise()', fdirAsync],
  ['@nodelib/fs.walk walkStream', nodelibWalk],
  ['readdirp', readdirpStream],
  ['fast-glob .stream()', fastGlobStream],
  ['GNU find > /dev/null (child process)', findToDevNull],
  ['worker-readable/walk', ourWalk()],
  ['worker-readable/walk, highWaterMark 64', ourWalk(64)],
  ['prototype, not shipped: columnar chunks, 1 worker', columnarPrototype],
  ['prototype, not shipped: columnar chunks, 2 workers', columnarTwoWorkers],
];

/** Child mode: one run of one contender; prints a {@link Run} as JSON. */
async function child(name: string, root: string): Promise<void> {
  const walker = CONTENDERS.find(([contender]) => contender === name)?.[1];
  if (walker === undefined) throw new Error(`no contender ${name}`);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  let first = Number.NaN;
  const entries = await walker(root, () => {
    if (Number.isNaN(first)) first = performance.now() - start;
  });
  const ms = performance.now() - start;
  // One more turn, so a loop blocked until now records that delay.
  await new Promise((resolve) => setTimeout(resolve, 5));
  delay.disable();
  const run: Run = {
    entries,
    ms,
    firstMs: first,
    eldP99Ms: delay.percentile(99) / 1e6,
    eldMaxMs: delay.max / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

function runChild(name: string, root: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SELF, '--child', name, root], (error, stdout, stderr) => {
      if (error) reject(new Error(`${name}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Run);
    });
  });
}

/** Wall time of a whole command with stdout to /dev/null. */
function wallTime(command: string, args: string[]): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const process_ = spawn(command, args, { stdio: ['ignore', devNull, 'inherit'] });
    process_.once('error', reject);
    process_.once('exit', (code) => {
      closeSync(devNull);
      if (code === 0) resolve(performance.now() - start);
      else reject(new Error(`${command} exited with ${code}`));
    });
  });
}

/** Entries below the root, by GNU find. */
function countWithFind(root: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('find', [root, '-mindepth', '1', '-printf', '.'], { maxBuffer: 1 << 30 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.length);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const round = (value: number, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : '—');
const thousands = (value: number) => (Number.isFinite(value) ? `${Math.round(value / 1000)} k` : '—');

/** The scenario: see the module comment. */
export default async function walkScenario(options: {
  quick: boolean;
  reps?: number;
  root?: string;
}): Promise<ScenarioResult> {
  const tree = options.root === undefined ? makeTree(options.quick ? QUICK : FULL) : null;
  const root = options.root ?? (tree?.root as string);
  const expected = await countWithFind(root);
  const repetitions = options.reps ?? (options.quick ? 3 : 5);
  const runs = new Map<string, Run[]>(CONTENDERS.map(([name]) => [name, []]));
  const mismatches: string[] = [];
  const walls = { ours: [] as number[], oneThread: [] as number[], find: [] as number[] };

  for (let round_ = -1; round_ < repetitions; round_++) {
    // Round -1 is the warm-up; the order rotates so no contender always runs right after another.
    const order = CONTENDERS.map((_, index) => CONTENDERS[(index + Math.max(round_, 0)) % CONTENDERS.length]);
    for (const [name] of order as Array<readonly [string, Walker]>) {
      const run = await runChild(name, root);
      if (round_ < 0) continue;
      if (run.entries !== null && run.entries !== expected) {
        const message = `!!! COUNT MISMATCH: ${name} found ${run.entries} entries, find ${expected}`;
        console.error(message);
        mismatches.push(message);
      }
      runs.get(name)?.push(run);
    }
    const ours = await wallTime(process.execPath, [CLI, root]);
    const oneThread = await wallTime(process.execPath, [CLI, root, '--threads', '1']);
    const found = await wallTime('find', [root]);
    if (round_ >= 0) {
      walls.ours.push(ours);
      walls.oneThread.push(oneThread);
      walls.find.push(found);
    }
  }

  const rate = (run: Run) => (expected / run.ms) * 1000;
  const baseline = median((runs.get('fdir .sync()') ?? []).map(rate));
  const rows: (string | number)[][] = CONTENDERS.map(([name]) => {
    const list = runs.get(name) ?? [];
    const rates = list.map(rate);
    const isFind = name.startsWith('GNU find');
    return [
      name,
      thousands(median(rates)),
      `${thousands(Math.min(...rates))}–${thousands(Math.max(...rates))}`,
      round(median(rates) / baseline, 2),
      round(median(list.map((run) => run.ms))),
      isFind ? '—' : round(median(list.map((run) => run.eldP99Ms)), 2),
      isFind ? '—' : round(Math.max(...list.map((run) => run.eldMaxMs)), 1),
      isFind ? '—' : round(median(list.map((run) => run.firstMs)), 1),
      isFind ? '—' : round(median(list.map((run) => run.maxRssMb))),
      isFind ? expected : median(list.map((run) => run.entries ?? Number.NaN)),
    ];
  });
  for (const [name, list] of [
    ['worker-walk DIR > /dev/null (whole process; 2 threads, the default)', walls.ours],
    ['worker-walk DIR --threads 1 > /dev/null (whole process)', walls.oneThread],
    ['find DIR > /dev/null (whole process)', walls.find],
  ] as const) {
    const rates = list.map((ms) => (expected / ms) * 1000);
    rows.push([
      name,
      thousands(median(rates)),
      `${thousands(Math.min(...rates))}–${thousands(Math.max(...rates))}`,
      round(median(rates) / baseline, 2),
      round(median(list)),
      '—',
      '—',
      '—',
      '—',
      expected,
    ]);
  }
  const cliRatio = median(walls.ours) / median(walls.find);
  return {
    name: 'walk',
    title:
      `Directory walk: ${expected.toLocaleString('en-US')} entries below ${root}, warm cache, median of ` +
      `${repetitions} (min–max); worker-walk / find wall time ${cliRatio.toFixed(2)}×`,
    columns: [
      'walker',
      'entries/s',
      'min–max',
      '× fdir .sync()',
      'wall ms',
      'event-loop delay p99 ms',
      'max ms',
      'first entry ms',
      'peak RSS MB',
      'entries',
    ],
    rows,
    data: { root, expected, repetitions, runs: Object.fromEntries(runs), walls, cliRatio, mismatches },
  };
}

function printTable(result: ScenarioResult): void {
  const cells = [result.columns, ...result.rows].map((row) => row.map(String));
  const widths = result.columns.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(`\n${result.title}\n`);
  console.log(line(cells[0] as string[]));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

if (process.argv[1] === SELF) {
  const { values, positionals } = parseArgs({
    options: { quick: { type: 'boolean' }, root: { type: 'string' }, child: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.child) {
    await child(positionals[0] as string, positionals[1] as string);
  } else {
    const result = await walkScenario({ quick: values.quick ?? false, ...(values.root && { root: values.root }) });
    printTable(result);
    const mismatches = (result.data as { mismatches: string[] }).mismatches;
    if (mismatches.length > 0) {
      console.error(`\n${mismatches.length} COUNT MISMATCHES: see above`);
      process.exitCode = 1;
    }
  }
}
