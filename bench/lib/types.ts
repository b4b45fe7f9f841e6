/** Types shared by the runner, the scenarios and the measuring child processes. */

/** What every scenario module's default export receives. */
export interface ScenarioOptions {
  /** Tiny inputs and one repetition: a smoke test that must complete, not a measurement. */
  quick: boolean;
  /** Overrides the scenario's number of measured repetitions (`--reps N`). */
  reps?: number;
}

/** What every scenario module's default export resolves to: one printed table, and its figures as JSON. */
export interface ScenarioResult {
  /** The name `--only` selects. */
  name: string;
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Machine-readable figures (medians, min, max, raw samples, parameters), written to latest.json. */
  data: unknown;
  /** Printed under the table: what was measured and how, so a reader can judge the figures. */
  notes?: string[];
}

/** A scenario module's default export. */
export type Scenario = (options: ScenarioOptions) => Promise<ScenarioResult>;

/** What one measuring child process reports: named figures, each a number or a list of them. */
export type Sample = Record<string, number | number[]>;
