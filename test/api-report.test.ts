import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { buildApiReports } from '../scripts/api-report.ts';

test('the API reports in api/ match the entries (run `npm run api` after changing the public surface, and review the diff)', () => {
  for (const [name, text] of Object.entries(buildApiReports())) {
    expect(readFileSync(new URL(`../api/${name}`, import.meta.url), 'utf8'), `api/${name} is stale`).toBe(text);
  }
}, 60_000);
