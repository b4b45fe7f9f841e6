/**
 * A generated directory tree for the walk scenarios: deterministic, under `os.tmpdir()`, reused across runs
 * once complete (a marker file records that the generation finished).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Files per leaf directory. */
const PER_DIR = 100;

export interface Tree {
  /** The directory to walk. */
  root: string;
  files: number;
  directories: number;
  /** Everything a walk yields: files plus directories below the root. */
  entries: number;
}

/** Three levels of directories, `fanout` wide, with up to {@link PER_DIR} files in each leaf. */
function generate(root: string, files: number): Tree {
  const leaves = Math.ceil(files / PER_DIR);
  const fanout = Math.ceil(Math.cbrt(leaves));
  let written = 0;
  let directories = 0;
  for (let a = 0; a < fanout && written < files; a++) {
    for (let b = 0; b < fanout && written < files; b++) {
      for (let c = 0; c < fanout && written < files; c++) {
        const dir = join(root, `d${a}`, `d${b}`, `d${c}`);
        mkdirSync(dir, { recursive: true });
        directories += c === 0 ? (b === 0 ? 3 : 2) : 1;
        for (let f = 0; f < PER_DIR && written < files; f++, written++)
          writeFileSync(join(dir, `f${f}.txt`), `${written}\n`);
      }
    }
  }
  return { root, files: written, directories, entries: written + directories };
}

/** The tree of `files` files, generated now unless a complete one is already there. */
export function ensureTree(files: number): { tree: Tree; generatedMs: number } {
  const base = join(tmpdir(), `worker-readable-bench-tree-${files}`);
  const marker = join(base, 'complete.json');
  if (existsSync(marker)) return { tree: JSON.parse(readFileSync(marker, 'utf8')) as Tree, generatedMs: 0 };
  const started = performance.now();
  rmSync(base, { recursive: true, force: true });
  const tree = generate(join(base, 'tree'), files);
  writeFileSync(marker, JSON.stringify(tree));
  return { tree, generatedMs: performance.now() - started };
}
