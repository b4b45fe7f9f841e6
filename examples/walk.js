// examples/walk.js — an ordinary module; it does not import worker-readable.
// It runs inside the worker thread, so its blocking readdirSync never blocks the main thread.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function* walk(root, maxDepth = Number.POSITIVE_INFINITY) {
  const pending = [{ dir: root, depth: 0 }];
  while (pending.length > 0) {
    const { dir, depth } = pending.pop();
    for (const dirent of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, dirent.name);
      const type = dirent.isDirectory() ? 'directory' : dirent.isFile() ? 'file' : 'other';
      yield { path, type, depth };
      if (type === 'directory' && depth < maxDepth) pending.push({ dir: path, depth: depth + 1 });
    }
  }
}
