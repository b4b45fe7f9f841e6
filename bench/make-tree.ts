/**
 * Makes the walk benchmark's tree, deterministically: the same shape and names on every machine, from a
 * seeded generator. A tree already made with the same parameters is reused (its manifest says so).
 *
 * Layout under `base`: `tree/` (the root to walk) and `manifest.json` (parameters and entry count), kept
 * outside the tree so the tree holds only what was generated.
 *
 * Run directly: `node build/bench/make-tree.js [BASE] [--quick]`.
 * @module
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shape of a tree. */
export interface TreeShape {
  /** Directories below the root. */
  readonly directories: number;
  /** Regular (empty) files. */
  readonly files: number;
  /** Deepest level a directory may have (the root is 0); files go one level deeper at most. */
  readonly maxDirectoryDepth: number;
  readonly seed: number;
}

/** What {@link makeTree} made. */
export interface Tree {
  /** The directory to walk. */
  readonly root: string;
  /** Entries below the root (directories and files, the root not included). */
  readonly entries: number;
  readonly shape: TreeShape;
  /** False when an existing tree was reused. */
  readonly created: boolean;
}

/** About 220,000 entries: 20,000 directories, 200,000 files, 8 levels below the root at most. */
export const FULL: TreeShape = Object.freeze({ directories: 20_000, files: 200_000, maxDirectoryDepth: 7, seed: 1 });
/** A tiny tree for `--quick`: seconds, not minutes. */
export const QUICK: TreeShape = Object.freeze({ directories: 200, files: 2_000, maxDirectoryDepth: 7, seed: 1 });

/** mulberry32: a small seeded generator, so the tree is the same everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The default base directory for a shape, under the system's temporary directory. */
export function defaultBase(shape: TreeShape): string {
  return join(tmpdir(), `worker-readable-walk-${shape.directories}d-${shape.files}f-${shape.seed}`);
}

/** Makes (or reuses) the tree for `shape` under `base`. */
export function makeTree(shape: TreeShape, base = defaultBase(shape)): Tree {
  const root = join(base, 'tree');
  const manifestPath = join(base, 'manifest.json');
  const entries = shape.directories + shape.files;
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { shape: TreeShape; entries: number };
    if (JSON.stringify(manifest.shape) === JSON.stringify(shape)) return { root, entries, shape, created: false };
  }
  rmSync(base, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const next = random(shape.seed);
  const paths = [root];
  const depths = [0];
  // Only directories that may still have children are parents: the tree fills up to its depth limit.
  const parents = [0];
  for (let i = 0; i < shape.directories; i++) {
    const parent = parents[Math.floor(next() * parents.length)] as number;
    const path = join(paths[parent] as string, `dir-${i.toString(36).padStart(4, '0')}`);
    mkdirSync(path);
    const depth = (depths[parent] as number) + 1;
    paths.push(path);
    depths.push(depth);
    if (depth < shape.maxDirectoryDepth) parents.push(paths.length - 1);
  }
  for (let i = 0; i < shape.files; i++) {
    const directory = paths[Math.floor(next() * paths.length)] as string;
    closeSync(openSync(join(directory, `file-${i.toString(36).padStart(5, '0')}.txt`), 'w'));
  }
  writeFileSync(manifestPath, `${JSON.stringify({ shape, entries }, null, 2)}\n`);
  return { root, entries, shape, created: true };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const base = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  const tree = makeTree(quick ? QUICK : FULL, base);
  console.log(`${tree.created ? 'made' : 'reused'} ${tree.root}: ${tree.entries} entries below the root`);
}
