/**
 * A directory that cannot be listed does not stop the walk and is never dropped: an error record follows
 * its entry. strict makes it the stream's error; an unreadable root always is. Checked against GNU find run
 * as the same user.
 *
 * chmod 000 means nothing to root, so when the tests run as root (here and in CI) the walks run in a child
 * process as the user nobody (65534); otherwise as the current user.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Entry, WalkError } from 'worker-readable/walk';
import { entriesOf, errorsOf, find, makeTempDir, removeTree } from './walk-tree.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/scripts/walk-report.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/walk-cli.js', import.meta.url));
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const user = asRoot ? { uid: NOBODY, gid: NOBODY } : {};

/** Why the child cannot run as nobody (the checkout is not readable by other users), or null. */
function cannotRunAsNobody(): string | null {
  if (!asRoot) return null;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(SCRIPT)}, 4)`], user);
  if (probe.status === 0) return null;
  return `running as root, and user ${NOBODY} cannot read ${SCRIPT} (${probe.stderr.toString().trim().split('\n')[0]}), so chmod 000 cannot be tested`;
}
const reason = cannotRunAsNobody();
const maybe = reason === null ? test : test.skip;
if (reason !== null) console.warn(`walk-unreadable: skipped: ${reason}`);

interface Report {
  items: Array<Entry | WalkError>;
  error: { code: string; syscall: string; path: string } | null;
}

function run(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], user, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function report(root: string, options: object = {}): Promise<Report> {
  const { stdout, stderr } = await run(SCRIPT, [root, JSON.stringify(options)]);
  if (stdout === '') throw new Error(`the walk script printed nothing: ${stderr}`);
  return JSON.parse(stdout) as Report;
}

let base = '';
let tree = '';
test.before(() => {
  // base/ open/f  locked/secret (000)  listable/ inner.txt sub/ (r-- : names without access)  later/z
  base = makeTempDir();
  tree = join(base, 'tree');
  for (const dir of ['open', 'locked', 'listable/sub', 'later']) mkdirSync(join(tree, dir), { recursive: true });
  for (const file of ['open/f', 'locked/secret', 'listable/inner.txt', 'later/z']) writeFileSync(join(tree, file), '');
  chmodSync(tree, 0o755);
  chmodSync(join(tree, 'locked'), 0o000);
  chmodSync(join(tree, 'listable'), 0o444);
  mkdirSync(join(base, 'locked-root'), { mode: 0o000 });
});
test.after.always(() => {
  chmodSync(join(tree, 'locked'), 0o755);
  chmodSync(join(tree, 'listable'), 0o755);
  chmodSync(join(base, 'locked-root'), 0o755);
  removeTree(base);
});

maybe('an unreadable directory: its entry, then an EACCES record, and the walk goes on', async (t) => {
  const { items, error } = await report(tree, { sort: true });
  t.is(error, null);
  const at = items.findIndex((item) => item.path === join(tree, 'locked'));
  t.like(items[at], { type: 'directory', depth: 1 });
  t.like(items[at + 1], {
    type: 'error',
    path: join(tree, 'locked'),
    name: 'locked',
    depth: 1,
    error: { code: 'EACCES', syscall: 'scandir' },
  });
  t.true((items[at + 1] as WalkError).error.message.includes('permission denied'));
  t.true(
    items.some((item) => item.path === join(tree, 'later', 'z')),
    'the walk went on',
  );
  t.false(items.some((item) => item.path.startsWith(join(tree, 'locked', '/'))));
});

maybe('the same entries and the same failures as GNU find run as the same user', async (t) => {
  const { items } = await report(tree);
  const expected = find(tree, [], user);
  t.is(expected.status, 1);
  const failed = [...expected.stderr.matchAll(/^find: '(.*)': Permission denied$/gm)].map((match) => match[1]);
  t.deepEqual(
    errorsOf(items)
      .map((record) => record.path)
      .sort(),
    failed.sort(),
  );
  // find leaves out listable/sub, which it cannot stat; the walker has its type from the listing.
  t.deepEqual(entriesOf(items), [...expected.entries, `directory 2 ${join(tree, 'listable', 'sub')}`].sort());
});

maybe('strict: the first unreadable directory is the stream error, after the entries before it', async (t) => {
  const { items, error } = await report(tree, { sort: true, strict: true });
  t.deepEqual(error, { code: 'EACCES', syscall: 'scandir', path: join(tree, 'listable', 'sub') });
  t.is(items.at(-1)?.path, join(tree, 'listable', 'sub'));
  t.deepEqual(errorsOf(items), []);
});

maybe('stat: an entry that cannot be stat-ed is an lstat error record in its place', async (t) => {
  const { items } = await report(join(tree, 'listable'), { stat: true, sort: true });
  t.deepEqual(
    items.map((item) => `${item.type} ${item.path.slice(tree.length)}`),
    ['directory /listable', 'error /listable/inner.txt', 'error /listable/sub'],
  );
  t.like(errorsOf(items)[0], { error: { code: 'EACCES', syscall: 'lstat' } });
});

maybe('an unreadable root is the stream error with its real code, and nothing is yielded', async (t) => {
  const { items, error } = await report(join(base, 'locked-root'));
  t.deepEqual(items, []);
  t.deepEqual(error, { code: 'EACCES', syscall: 'scandir', path: join(base, 'locked-root') });
});

maybe('worker-walk: each failure on stderr, the rest on stdout, exit status 1 (as find)', async (t) => {
  const { code, stdout, stderr } = await run(CLI, [tree, '--sort']);
  t.is(code, 1);
  t.deepEqual(stderr.trim().split('\n'), [
    `worker-walk: EACCES: permission denied, scandir '${join(tree, 'listable', 'sub')}'`,
    `worker-walk: EACCES: permission denied, scandir '${join(tree, 'locked')}'`,
  ]);
  t.true(stdout.split('\n').includes(join(tree, 'locked')));
  const strict = await run(CLI, [tree, '--strict', '--sort']);
  t.is(strict.code, 1);
  t.is(strict.stderr, `worker-walk: EACCES: permission denied, scandir '${join(tree, 'listable', 'sub')}'\n`);
  const rootless = await run(CLI, [join(base, 'locked-root')]);
  t.is(rootless.code, 1);
  t.is(rootless.stdout, '');
});
