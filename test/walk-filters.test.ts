/**
 * maxDepth, include and exclude select what GNU find selects with -maxdepth, -name / -path and -prune,
 * with and without following links; an excluded directory is never read.
 */
import test from 'ava';
import { type Entry, type WalkError, type WalkOptions, walk } from 'worker-readable/walk';
import { collect, entriesOf, errorsOf, find, makeTree, removeTree } from './walk-tree.js';

let root = '';
test.before(() => {
  root = makeTree();
});
test.after.always(() => removeTree(root));

async function entries(options: WalkOptions): Promise<string[]> {
  const { items, error } = await collect<Entry | WalkError>(walk(root, options));
  if (error) throw error;
  return entriesOf(items);
}

for (const depth of [0, 1, 2, 3]) {
  test(`maxDepth ${depth} is find -maxdepth ${depth}`, async (t) => {
    t.deepEqual(await entries({ maxDepth: depth }), find(root, ['-maxdepth', String(depth)]).entries);
  });
  test(`maxDepth ${depth} with followSymlinks is find -L -maxdepth ${depth}`, async (t) => {
    const expected = find(root, ['-maxdepth', String(depth)], { follow: true }).entries;
    t.deepEqual(await entries({ maxDepth: depth, followSymlinks: true }), expected);
  });
}

test('maxDepth Infinity is the default', async (t) => {
  t.deepEqual(await entries({ maxDepth: Number.POSITIVE_INFINITY }), find(root).entries);
});

// [patterns, the find expression selecting the same entries below the root]. find's -path lets `*` cross
// `/`, so path patterns are checked against -regex (the whole path, ROOT replaced by the root).
const includes: Array<[string[], string[]]> = [
  [['*.ts'], ['-name', '*.ts']],
  [
    ['*.ts', '*.js'],
    ['(', '-name', '*.ts', '-o', '-name', '*.js', ')'],
  ],
  [['.*'], ['-name', '.*']],
  [['*'], []],
  [['src/**'], ['-regex', 'ROOT/src(/.*)?']],
  [['src/*.ts'], ['-regex', 'ROOT/src/[^/]*\\.ts']],
  [['**/c/*'], ['-regex', 'ROOT/(.*/)?c/[^/]*']],
  [
    ['a/*', '*.js'],
    ['(', '-regex', 'ROOT/a/[^/]*', '-o', '-name', '*.js', ')'],
  ],
  [
    ['*space*', 'new?line'],
    ['(', '-name', '*space*', '-o', '-name', 'new?line', ')'],
  ],
];
for (const [patterns, expression] of includes) {
  test(`include ${JSON.stringify(patterns)} is find -mindepth 1 ${expression.join(' ')}`, async (t) => {
    const args = [
      '-mindepth',
      '1',
      '-regextype',
      'posix-extended',
      ...expression.map((arg) => arg.replace('ROOT', root)),
    ];
    t.deepEqual(await entries({ include: patterns }), find(root, args).entries);
  });
}

const excludes: Array<[string[], string[]]> = [
  [['node_modules'], ['-name', 'node_modules']],
  [
    ['node_modules', '.*'],
    ['(', '-name', 'node_modules', '-o', '-name', '.*', ')'],
  ],
  [['a/b'], ['-path', 'ROOT/a/b']],
  [['*.txt'], ['-name', '*.txt']],
  [['**/b/**'], ['-regex', 'ROOT/(.*/)?b(/.*)?']],
  [
    ['a/**/*.txt', 'src'],
    ['(', '-regex', 'ROOT/a/(.*/)?[^/]*\\.txt', '-o', '-name', 'src', ')'],
  ],
];
for (const [patterns, expression] of excludes) {
  test(`exclude ${JSON.stringify(patterns)} is find ${expression.join(' ')} -prune -o -print`, async (t) => {
    const args = [
      '-regextype',
      'posix-extended',
      ...expression.map((arg) => arg.replace('ROOT', root)),
      '-prune',
      '-o',
    ];
    t.deepEqual(await entries({ exclude: patterns }), find(root, args).entries);
  });
}

test('include and exclude together: exclude wins and prunes', async (t) => {
  const expected = find(root, ['-name', 'node_modules', '-prune', '-o', '-mindepth', '1', '-name', '*.js']).entries;
  t.deepEqual(await entries({ include: '*.js', exclude: 'node_modules' }), expected);
});

test('include with maxDepth and followSymlinks', async (t) => {
  const expected = find(root, ['-mindepth', '1', '-maxdepth', '2', '-name', '*.txt'], { follow: true }).entries;
  t.deepEqual(await entries({ include: '*.txt', maxDepth: 2, followSymlinks: true }), expected);
});

test('an excluded directory is never read: its loops, found only by reading it, are not reported', async (t) => {
  const all = await collect<Entry | WalkError>(walk(root, { followSymlinks: true }));
  t.true(errorsOf(all.items).some((record) => record.path === `${root}/a/b/up`));
  const pruned = await collect<Entry | WalkError>(
    walk(root, { followSymlinks: true, exclude: ['a/b', 'link-to-dir'] }),
  );
  t.deepEqual(
    errorsOf(pruned.items).map((record) => record.path),
    [`${root}/self`],
  );
});

test('error records are yielded even when include does not select their path', async (t) => {
  const { items } = await collect<Entry | WalkError>(walk(root, { followSymlinks: true, include: '*.ts' }));
  t.true(items.filter((item) => item.type !== 'error').every((item) => item.name.endsWith('.ts')));
  t.is(errorsOf(items).length, 5);
});
