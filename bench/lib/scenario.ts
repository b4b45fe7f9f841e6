/** Small helpers every scenario orchestrator uses. */
import type { ScenarioOptions } from './types.js';

/** Measured repetitions: `--reps` if given, one in quick mode, else the scenario's own default. */
export function repetitions(options: ScenarioOptions, full: number): number {
  return options.reps ?? (options.quick ? 1 : full);
}

/** Warm-up items for a pass of `items`: a tenth, at least one. */
export function warmupItems(items: number): number {
  return Math.max(1, Math.floor(items / 10));
}
