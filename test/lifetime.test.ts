/**
 * Process lifetime, each in its own child process: an idle, unread stream keeps nothing alive; a consumer
 * waiting for an item does; a finishing stream lets `await pipeline()` complete. Also: the worker's
 * console output, a CommonJS consumer, and a .ts worker module under a TypeScript loader.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const script = (name: string) => fileURLToPath(new URL(`./fixtures/scripts/${name}`, import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('a process that reads three items of an endless stream and then does nothing exits by itself', async (t) => {
  for (const exportName of ['endless', 'endlessAsync']) {
    const { code, stdout, stderr } = await run([script('reads-three.js'), exportName]);
    t.is(stderr, '');
    t.is(stdout.trim(), 'read 1,2,3', exportName);
    t.is(code, 0);
  }
});

test('items sitting unread while the Readable asks for more do not keep the process alive', async (t) => {
  const { code, stdout, stderr } = await run([script('unread-item.js')]);
  t.is(stderr, '');
  t.is(stdout.trim(), 'buffered 1');
  t.is(code, 0);
});

test('a consumer waiting for a slow item keeps the process alive until the end', async (t) => {
  const { code, stdout } = await run([script('waits-for-slow.js')]);
  t.is(stdout.trim(), ['item 0', 'item 1', 'item 2', 'item 3', 'item 4', 'end'].join('\n'));
  t.is(code, 0);
});

test('a top-level await of pipeline() completes (no unsettled-await exit)', async (t) => {
  const { code, stdout, stderr } = await run([script('top-level-pipeline.js')]);
  t.is(stderr, '');
  t.is(stdout.trim(), 'done 1000');
  t.is(code, 0);
});

test("the worker's console.log reaches the parent's stdout", async (t) => {
  const { code, stdout } = await run([script('logs.js')]);
  t.is(stdout, 'hello from the worker\nitems 1\n');
  t.is(code, 0);
});

test("require('worker-readable') works from a CommonJS consumer", async (t) => {
  const { code, stdout, stderr } = await run([script('require.cjs')]);
  t.is(stderr, '');
  t.is(stdout.trim(), 'cjs [0,1,2] function');
  t.is(code, 0);
});

test('a .ts worker module runs when the parent runs under a TypeScript loader', async (t) => {
  const source = fileURLToPath(new URL('../../test/fixtures/typed.ts', import.meta.url));
  const { code, stdout, stderr } = await run(['--import', 'tsx', script('ts-loader.js'), source]);
  t.is(stderr, '');
  t.is(stdout.trim(), `ts ${JSON.stringify([0, 1, 2].map((depth) => ({ path: `/root/${depth}`, depth })))}`);
  t.is(code, 0);
});
