import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The public entry: ESM, CommonJS for require() on any Node 20, and types for both.
    entry: { index: 'lib/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    outDir: 'dist',
  },
  {
    // The worker's entry is loaded by URL from either build; it is only ever ESM.
    entry: { 'worker-entry': 'lib/worker-entry.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    outDir: 'dist',
  },
]);
