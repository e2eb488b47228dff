// How a benchmark hands its figures to `npm run bench` (bench/all.ts): each prints its own tables for a
// reader, and, when BENCH_JSON names a file, also writes the headline figures there for results.md.
import { writeFileSync } from 'node:fs';

/** One headline figure beside the baseline measured in the same run. */
export interface BenchFigure {
  figure: string;
  value: number;
  unit: string;
  baseline?: number;
  /** value / baseline, unless the benchmark defines the ratio otherwise (e.g. growth between sizes). */
  ratio?: number;
  goal?: string;
  met?: boolean;
}

/** Writes `figures` to the file named by BENCH_JSON, if any. */
export function reportFigures(bench: string, figures: BenchFigure[]): void {
  const target = process.env.BENCH_JSON;
  if (target) writeFileSync(target, JSON.stringify({ bench, figures }, null, 2));
}
