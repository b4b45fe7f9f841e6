/**
 * The worker-walk command: find's output, --json back to the walk's own entries, every flag, --count, the
 * exit statuses with their one-line messages, an early and quiet stop when the reader goes away, and
 * progress only on a terminal.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { type Entry, type WalkError, type WalkOptions, walk } from 'worker-readable/walk';
import { collect, find, makeFanOut, makeTempDir, makeTree, referenceWalk, removeTree } from './walk-tree.js';

const CLI = fileURLToPath(new URL('../../dist/walk-cli.js', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let root = '';
let fanOutBase = '';
let endless = '';
test.before(() => {
  root = makeTree();
  fanOutBase = makeTempDir();
  endless = makeFanOut(fanOutBase);
});
test.after.always(() => {
  removeTree(root);
  removeTree(fanOutBase);
});

test('prints what find prints, one path per line', async (t) => {
  const { code, stdout, stderr } = await cli([join(root, 'src')]);
  t.is(code, 0);
  t.is(stderr, '');
  const expected = find(join(root, 'src')).entries.map((entry) => entry.split(' ').slice(2).join(' '));
  t.deepEqual(stdout.split('\n').slice(0, -1).sort(), expected.sort());
});

test('--null: any name survives, the same paths as find -print0', async (t) => {
  const { code, stdout } = await cli([root, '--null']);
  t.is(code, 0);
  const expected = find(root).entries.map((entry) => entry.split(' ').slice(2).join(' '));
  t.deepEqual(stdout.split('\0').slice(0, -1).sort(), expected.sort());
});

test('--json parses back to the very entries walk() yields, error records included', async (t) => {
  const cases: Array<[string[], WalkOptions]> = [
    [['--sort'], { sort: true }],
    [['--sort', '-L', '--stat'], { sort: true, followSymlinks: true, stat: true }],
  ];
  for (const [flags, options] of cases) {
    const { code, stdout } = await cli([root, '--json', ...flags]);
    t.is(code, flags.includes('-L') ? 1 : 0, 'exit status 1 when there are error records');
    const parsed = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Entry | WalkError);
    const { items } = await collect<Entry | WalkError>(walk(root, options));
    t.deepEqual(parsed, items);
  }
});

test('every walk option has its flag', async (t) => {
  const lines = async (args: string[]) => (await cli([root, ...args])).stdout.split('\n').slice(0, -1).sort();
  const paths = (entries: string[]) => entries.map((entry) => entry.split(' ').slice(2).join(' ')).sort();
  t.deepEqual(await lines(['-d', '1']), paths(find(root, ['-maxdepth', '1']).entries));
  t.deepEqual(
    await lines(['--max-depth', '2', '--exclude', 'a']),
    paths(find(root, ['-maxdepth', '2', '-name', 'a', '-prune', '-o']).entries),
  );
  t.deepEqual(
    await lines(['-i', '*.ts', '-i', '*.js']),
    paths(find(root, ['(', '-name', '*.ts', '-o', '-name', '*.js', ')']).entries),
  );
  t.deepEqual(
    await lines(['-L', '-e', 'a', '-e', 'link-to-dir', '-e', 'self']),
    paths(
      find(root, ['(', '-name', 'a', '-o', '-name', 'link-to-dir', '-o', '-name', 'self', ')', '-prune', '-o'], {
        follow: true,
      }).entries,
    ),
  );
  const sorted = await cli([join(root, 'src'), '-s']);
  t.deepEqual(
    sorted.stdout.split('\n').slice(0, -1),
    referenceWalk(join(root, 'src'), true).map((entry) => entry.split(' ').slice(2).join(' ')),
  );
  const strict = await cli([root, '-L', '--strict']);
  t.is(strict.code, 1);
  t.regex(strict.stderr, /^worker-walk: ELOOP: .*\n$/);
});

test('--threads 1 and 2 print the same paths, each once, as find', async (t) => {
  const paths = async (threads: string) => (await cli([root, '-0', '-t', threads])).stdout.split('\0').slice(0, -1);
  const one = await paths('1');
  const two = await paths('2');
  t.is(new Set(two).size, two.length);
  t.deepEqual(two.sort(), one.sort());
  t.deepEqual(
    one.sort(),
    find(root)
      .entries.map((entry) => entry.split(' ').slice(2).join(' '))
      .sort(),
  );
});

test('--count prints the number of entries, as find | wc -l counts them', async (t) => {
  const { code, stdout } = await cli([root, '--count']);
  t.is(code, 0);
  t.is(stdout, `${find(root).entries.length}\n`);
  t.is((await cli([root, '-c', '-i', '*.ts'])).stdout, `${find(root, ['-name', '*.ts']).entries.length}\n`);
});

test('a missing DIR: exit status 1, one line naming the code and the path, nothing on stdout', async (t) => {
  const { code, stdout, stderr } = await cli([join(root, 'missing')]);
  t.is(code, 1);
  t.is(stdout, '');
  t.is(stderr, `worker-walk: ENOENT: no such file or directory, stat '${join(root, 'missing')}'\n`);
});

const usage: Array<[string, string[], RegExp]> = [
  ['no DIR', [], /missing DIR/],
  ['two DIRs', ['ROOT', 'ROOT'], /one DIR only/],
  ['an unknown flag', ['ROOT', '--frobnicate'], /unknown option '--frobnicate'/],
  ['a depth that is not a number', ['ROOT', '-d', 'deep'], /--max-depth takes a whole number/],
  ['a negative depth', ['ROOT', '--max-depth', '-1'], /max-depth/],
  ['a flag without its value', ['ROOT', '--include'], /argument missing/],
  ['--json with --count', ['ROOT', '--json', '--count'], /exclude each other/],
  ['an empty include pattern', ['ROOT', '--include', ''], /"include\[0\]"/],
  ['three threads', ['ROOT', '--threads', '3'], /--threads takes 1 or 2, not 3/],
  ['--sort with two threads', ['ROOT', '--sort', '-t', '2'], /--sort walks on one thread/],
];
for (const [title, args, message] of usage) {
  test(`bad usage, ${title}: exit status 2 and a one-line message`, async (t) => {
    const { code, stdout, stderr } = await cli(args.map((arg) => (arg === 'ROOT' ? root : arg)));
    t.is(code, 2);
    t.is(stdout, '');
    t.regex(stderr, /^worker-walk: [^\n]+ \(see worker-walk --help\)\n$/);
    t.regex(stderr, message);
  });
}

test('--help and --version, on stdout, exit status 0', async (t) => {
  const help = await cli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /^Usage: worker-walk DIR \[options\]/);
  for (const flag of [
    '--max-depth',
    '--follow',
    '--include',
    '--exclude',
    '--sort',
    '--stat',
    '--strict',
    '--json',
    '--count',
  ]) {
    t.true(help.stdout.includes(flag), flag);
  }
  const version = await cli(['-V']);
  const { version: expected } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };
  t.is(version.stdout, `worker-walk ${expected}\n`);
  t.is(version.code, 0);
});

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

test('piped into head, it stops early and quietly: exit status 0, no EPIPE on stderr', async (t) => {
  // 2^30 paths: only a walk that is stopped lets the command end within the test's timeout.
  const command = spawn(process.execPath, [CLI, endless, '-L'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const head = spawn('head', ['-n', '5'], { stdio: [command.stdout, 'pipe', 'inherit'] });
  // head holds the pipe's read end now; ours must go, or the pipe would never break.
  command.stdout?.destroy();
  let stderr = '';
  command.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let out = '';
  head.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const [headCode, commandCode] = await Promise.all([exited(head), exited(command)]);
  t.is(headCode, 0);
  t.is(out.split('\n').length, 6);
  t.is(commandCode, 0);
  t.is(stderr, '');
});

test('progress goes to stderr only when it is a terminal, and never into stdout', async (t) => {
  const quiet = await cli([join(root, 'src'), '--count']);
  t.is(quiet.stderr, '', 'no terminal: no progress');
  // script(1) gives the command a terminal; stdout goes to a file. The walk is endless: the test waits for a
  // progress line, then stops it.
  const out = join(fanOutBase, 'out.txt');
  const line = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${JSON.stringify(endless)} -L > ${JSON.stringify(out)}`;
  const terminal = spawn('script', ['-qfec', line, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let screen = '';
  for await (const chunk of terminal.stdout.setEncoding('utf8')) {
    screen += chunk as string;
    // A line that counts some entries: those have been written to stdout before it was drawn (a line drawn
    // before the first output arrived, on a loaded machine, would leave the file empty).
    if (/[1-9][\d,]* entries +[\d,]+\/s +[\d,]+ directories pending/.test(screen)) break;
  }
  process.kill(-(terminal.pid as number), 'SIGTERM');
  await exited(terminal);
  t.true(screen.includes('\r\u001b[2K'), 'the line is redrawn in place');
  const written = readFileSync(out, 'utf8');
  t.false(written.includes('\r') || written.includes('\u001b'), 'no control characters in stdout');
  t.true(written.startsWith(`${endless}\n${endless}/a\n`), `stdout begins ${JSON.stringify(written.slice(0, 300))}`);
});
