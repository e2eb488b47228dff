// The README's first app is examples/vite-app's src/App.tsx, which CI builds and drives: the two may not drift.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('the README shows examples/vite-app/src/App.tsx as it is', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const app = readFileSync(new URL('../examples/vite-app/src/App.tsx', import.meta.url), 'utf8');
  expect(readme).toContain(`\`\`\`tsx\n${app}\`\`\``);
});
