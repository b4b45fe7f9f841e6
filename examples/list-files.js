// examples/list-files.js — node examples/list-files.js DIR
// Walks DIR in a worker thread and prints its files, one per line, through a through2 transform.
import { pipeline } from 'node:stream/promises';
import through2 from 'through2';
import { WorkerReadable } from 'worker-readable';

const root = process.argv[2] ?? '.';
const entries = new WorkerReadable(new URL('./walk.js', import.meta.url), {
  export: 'walk',
  args: [root],
  highWaterMark: 256,
});

await pipeline(
  entries,
  through2.obj((entry, _encoding, callback) => {
    if (entry.type === 'file') callback(null, `${entry.path}\n`);
    else callback();
  }),
  process.stdout,
);
