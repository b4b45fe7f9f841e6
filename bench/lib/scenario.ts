/** Small helpers every scenario orchestrator uses. */
import type { ScenarioOptions } from './types.js';

/** Measured repetitions: `--reps` if given, one in quick mode, else the scenario's own default. */
export function repetitions(options: ScenarioOptions, full: number): number {
  return options.reps ?? (options.quick ? 1 : full);
}

/** Warm-up items for a pass of `items`: a tenth, or none in quick mode (which measures nothing). */
export function warmupItems(items: number, quick: boolean): number {
  return quick ? 0 : Math.max(1, Math.floor(items / 10));
}
