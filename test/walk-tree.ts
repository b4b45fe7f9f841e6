/**
 * Trees for the walk tests, made in temporary directories, and the references they are checked against:
 * GNU find's own output, and an in-thread walk with `lstat` that shares no code with the walker.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Entry, EntryType, WalkError } from 'worker-readable/walk';

/** The names that are hard on tools: spaces, a newline, non-ASCII, a leading dot. */
export const ODD_NAMES = ['with space.txt', 'new\nline', 'ünï cødé ✓.txt', '.dotfile'];

/**
 * Makes the edge-case tree and returns its root (world-readable, so another user can walk it):
 *
 * ```text
 * a/ b/ c/ deep.txt          nested
 *       up -> ../..          a loop to the root when links are followed
 *       here -> .            a loop to itself
 *    file.txt and ODD_NAMES
 * empty/
 * .hidden/ inner.txt
 * src/ x.ts y.js sub/ z.ts
 * node_modules/ pkg/ index.js
 * link-to-file -> a/file.txt
 * link-to-dir -> a
 * broken -> nowhere
 * self -> self               ELOOP when followed
 * fifo                       a named pipe: 'other'
 * ```
 */
export function makeTree(): string {
  const root = makeTempDir();
  const dirs = ['a/b/c', 'empty', '.hidden', 'src/sub', 'node_modules/pkg'];
  for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
  const files = ['a/b/c/deep.txt', 'a/file.txt', '.hidden/inner.txt', 'src/x.ts', 'src/y.js', 'src/sub/z.ts'];
  for (const file of [...files, 'node_modules/pkg/index.js', ...ODD_NAMES.map((name) => `a/${name}`)]) {
    writeFileSync(join(root, file), 'x');
  }
  symlinkSync('../..', join(root, 'a/b/up'));
  symlinkSync('.', join(root, 'a/b/here'));
  symlinkSync('a/file.txt', join(root, 'link-to-file'));
  symlinkSync('a', join(root, 'link-to-dir'));
  symlinkSync('nowhere', join(root, 'broken'));
  symlinkSync('self', join(root, 'self'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  return root;
}

/**
 * A tree that is practically endless when links are followed, with no loop in it: `level-0` … `level-N`
 * side by side, each holding two links, `a` and `b`, to the next level. Walking `level-0` with
 * `followSymlinks` meets 2^N paths. Returns the path of `level-0`.
 */
export function makeFanOut(base: string, levels = 30): string {
  for (let level = 0; level <= levels; level++) mkdirSync(join(base, `level-${level}`));
  for (let level = 0; level < levels; level++) {
    symlinkSync(`../level-${level + 1}`, join(base, `level-${level}`, 'a'));
    symlinkSync(`../level-${level + 1}`, join(base, `level-${level}`, 'b'));
  }
  return join(base, 'level-0');
}

/** An empty temporary directory that other users can read (mkdtemp makes it 0700). */
export function makeTempDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'walk-test-'));
  chmodSync(root, 0o755);
  return root;
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** One entry as both sides can describe it: `type depth path`. */
export function describeEntry(entry: Entry | WalkError): string {
  return `${entry.type} ${entry.depth} ${entry.path}`;
}

/** The path back out of a `type depth path` description. */
export function pathOf(described: string): string {
  return described.split(' ').slice(2).join(' ');
}

const FIND_TYPES: Record<string, EntryType> = { f: 'file', d: 'directory', l: 'symlink' };

export interface FindResult {
  /** `type depth path` of every entry find printed, sorted. */
  readonly entries: string[];
  readonly status: number | null;
  readonly stderr: string;
}

/** Runs GNU find with `args` between the root and `-printf` (NUL-terminated, so any name survives). */
export function find(
  root: string,
  args: string[] = [],
  options: { follow?: boolean; uid?: number; gid?: number } = {},
): FindResult {
  const argv = [...(options.follow ? ['-L'] : []), root, ...args, '-printf', '%y %d %p\\0'];
  const result = spawnSync('find', argv, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    ...(options.uid !== undefined && { uid: options.uid }),
    ...(options.gid !== undefined && { gid: options.gid }),
  });
  const entries = result.stdout
    .split('\0')
    .filter((record) => record !== '')
    .map((record) => {
      const [type = '', depth = '', ...path] = record.split(' ');
      return `${FIND_TYPES[type] ?? 'other'} ${depth} ${path.join(' ')}`;
    });
  return { entries: entries.sort(), status: result.status, stderr: result.stderr };
}

function lstatType(path: string): EntryType {
  const stats = lstatSync(path);
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** An in-thread reference walk: recursion, plain `readdirSync` names and `lstat`. Sorted `type depth path`,
 * or in walk order with each directory's names sorted when `ordered`. */
export function referenceWalk(root: string, ordered = false): string[] {
  const out: string[] = [];
  const visit = (path: string, depth: number): void => {
    const type = lstatType(path);
    out.push(`${type} ${depth} ${path}`);
    if (type !== 'directory') return;
    const names = readdirSync(path);
    if (ordered) names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) visit(`${path}/${name}`, depth + 1);
  };
  visit(root, 0);
  return ordered ? out : out.sort();
}

/** Everything a walk stream yields, and its error if it failed. */
export async function collect<T>(stream: Readable): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item as T);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

/** Sorted `type depth path` of the entries (not the error records). */
export function entriesOf(items: Array<Entry | WalkError>): string[] {
  return items
    .filter((item) => item.type !== 'error')
    .map(describeEntry)
    .sort();
}

/** The error records. */
export function errorsOf(items: Array<Entry | WalkError>): WalkError[] {
  return items.filter((item): item is WalkError => item.type === 'error');
}
