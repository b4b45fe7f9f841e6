/** The README's example runs as written: examples/list-files.js lists a generated tree. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const example = fileURLToPath(new URL('../../examples/list-files.js', import.meta.url));

test('examples/list-files.js prints every file of the tree, and only files', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'wr-example-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const expected: string[] = [];
  for (let d = 0; d < 5; d++) {
    const dir = join(root, `dir ${d}`, 'nested');
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 40; f++) {
      const file = join(dir, `file-${f}.txt`);
      writeFileSync(file, '');
      expected.push(file);
    }
  }
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [example, root], (error, out) => (error ? reject(error) : resolve(out)));
  });
  t.deepEqual(stdout.split('\n').filter(Boolean).sort(), expected.sort());
});
