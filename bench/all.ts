// npm run bench: every benchmark, one after another (each prints its own tables as it goes), then
// bench/results.md: one table of the headline figures, each beside the baseline measured in the same
// run, with the ratio and the goal, and the machine it ran on.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir, type, release } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchFigure } from './report.ts';

const root = resolve(import.meta.dirname, '..');
const soakMinutes = process.env.BENCH_SOAK_MINUTES ?? '3';
const BENCHES: Array<{ name: string; script: string; args?: string[] }> = [
  { name: 'bench:size', script: 'bench:size' },
  { name: 'bench:render', script: 'bench:render' },
  { name: 'bench:browser', script: 'bench:browser' },
  { name: 'bench:server', script: 'bench:server' },
  { name: 'bench:audience', script: 'bench:audience' },
  { name: 'bench:catchup', script: 'bench:catchup' },
  { name: 'bench:cluster', script: 'bench:cluster' },
  { name: 'bench:attacks', script: 'bench:attacks' },
  { name: 'soak', script: 'soak', args: ['--clients', '1000', '--minutes', soakMinutes] },
];

const dir = mkdtempSync(join(tmpdir(), 'presence-bench-all-'));
const sections: Array<{ name: string; figures: BenchFigure[]; exitCode: number | null; seconds: number }> = [];
for (const bench of BENCHES) {
  const output = join(dir, `${bench.name.replace(':', '-')}.json`);
  console.log(`\n=== ${bench.name} ===`);
  const started = Date.now();
  const result = spawnSync('npm', ['run', '--silent', bench.script, ...(bench.args ? ['--', ...bench.args] : [])], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, BENCH_JSON: output },
  });
  const figures = existsSync(output) ? (JSON.parse(readFileSync(output, 'utf8')) as { figures: BenchFigure[] }).figures : [];
  sections.push({ name: bench.name, figures, exitCode: result.status, seconds: (Date.now() - started) / 1000 });
}
rmSync(dir, { recursive: true, force: true });

const format = (value: number | undefined, unit = '') => {
  if (value === undefined || Number.isNaN(value)) return '';
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 1 ? 1 : 3;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
};
/** Two significant digits, so 1/3,000 reads as 0.00033× rather than 0.000×. */
const formatRatio = (ratio: number | undefined) =>
  ratio === undefined || !Number.isFinite(ratio) ? '' : `${ratio >= 10 ? ratio.toFixed(0) : Number(ratio.toPrecision(2))}×`;
const chromium = (() => {
  try {
    return execFileSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not found';
  }
})();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

const lines = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} at commit ${commit}. Every baseline was measured in the`,
  'same run as its figure; each benchmark prints fuller tables than this one (see its source for the method).',
  '',
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; ${type()} ${release()};`,
  `Node ${process.version}; ${chromium}.`,
  '',
  '| figure | value | baseline | ratio | goal | met |',
  '|---|---:|---:|---:|---|---|',
];
const unmet: string[] = [];
for (const section of sections) {
  if (section.figures.length === 0) lines.push(`| ${section.name}: no figures (exit code ${section.exitCode}) | | | | | no |`);
  for (const figure of section.figures) {
    const met = figure.met === undefined ? '' : figure.met ? 'yes' : '**no**';
    if (figure.met === false) unmet.push(figure.figure);
    lines.push(
      `| ${figure.figure} | ${format(figure.value, figure.unit)} | ${format(figure.baseline, figure.unit)} | ${formatRatio(figure.ratio)} | ${figure.goal ?? ''} | ${met} |`,
    );
  }
}
lines.push('', `Run times: ${sections.map((section) => `${section.name} ${Math.round(section.seconds)} s`).join(', ')}.`, '');
// Before/after records that one run cannot measure (earlier states of the package), kept by hand.
lines.push(readFileSync(join(root, 'bench/size-history.md'), 'utf8'));
writeFileSync(join(root, 'bench/results.md'), lines.join('\n'));
console.log(`\nwrote bench/results.md (${sections.reduce((sum, section) => sum + section.figures.length, 0)} figures)`);
if (unmet.length) console.log(`goals not met:\n  ${unmet.join('\n  ')}`);
