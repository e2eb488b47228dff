// The kit is light unless the app opts into dark: data-theme="dark", or dark.css (which follows the OS).
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const read = (file: string) => readFileSync(new URL(`../../src/components/${file}`, import.meta.url), 'utf8');
/** The custom properties a rule block sets, in order. */
const variables = (block: string) => [...block.matchAll(/(--pk-[\w-]+|color-scheme):\s*([^;]+);/g)].map(([, name, value]) => `${name}: ${value}`);
const blockAfter = (css: string, selector: string) => css.slice(css.indexOf(selector)).split('}')[0]!;

test('styles.css is light by default: no rule follows the OS color scheme', () => {
  const styles = read('styles.css');
  expect(styles).not.toMatch(/@media[^{]*prefers-color-scheme/);
  expect(variables(blockAfter(styles, ':root,'))).toContain('--pk-surface: #ffffff');
});

test("dark.css follows the OS with the very palette of data-theme='dark', color-scheme included", () => {
  const dark = variables(blockAfter(read('styles.css'), "[data-theme='dark'] {"));
  const followingOs = variables(blockAfter(read('dark.css'), ":root:not([data-theme='light']) {"));
  expect(dark).toContain('color-scheme: dark');
  expect(followingOs).toEqual(dark);
});
