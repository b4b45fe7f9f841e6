import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The public entry: ESM, CommonJS for require() on any Node 20, and types for both.
    // `walk` shares the config (and so the chunk holding WorkerReadable) with `index`, so a walk stream is an
    // instance of the very WorkerReadable class the package's main entry exports, in both formats.
    entry: { index: 'lib/index.ts', walk: 'lib/walk.ts' },
    format: ['esm', 'cjs'],
    splitting: true,
    dts: true,
    shims: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    outDir: 'dist',
  },
  {
    // The worker's entry is loaded by URL from either build; it is only ever ESM.
    entry: {
      'worker-entry': 'lib/worker-entry.ts',
      'walk-worker': 'lib/walk-worker.ts',
      'walk-output': 'lib/walk-output.ts',
      'walk-helper': 'lib/walk-helper.ts',
    },
    format: ['esm'],
    // Each worker module stands alone: a thread's start-up loads one file.
    splitting: false,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    outDir: 'dist',
  },
  {
    // The worker-walk command: a program of its own, ESM only.
    entry: { 'walk-cli': 'lib/walk-cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    outDir: 'dist',
  },
]);
