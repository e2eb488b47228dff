/** @vitest-environment node */
// docs/nextjs.md is examples/nextjs/app: this renders that tree as Next.js renders it on the server.
import { readdirSync, readFileSync } from 'node:fs';
import { renderToString } from 'react-dom/server';
import { afterEach, expect, test, vi } from 'vitest';
import RootLayout from '../../examples/nextjs/app/layout.tsx';
import Page from '../../examples/nextjs/app/page.tsx';

const app = new URL('../../examples/nextjs/app/', import.meta.url);
afterEach(() => vi.unstubAllGlobals());

test('docs/nextjs.md shows every file of the example as it is', () => {
  const guide = readFileSync(new URL('../../docs/nextjs.md', import.meta.url), 'utf8');
  for (const file of readdirSync(app)) {
    const source = readFileSync(new URL(file, app), 'utf8');
    expect(guide, `docs/nextjs.md is missing examples/nextjs/app/${file} as it is`).toContain(`\`\`\`${file.endsWith('.tsx') ? 'tsx' : 'ts'}\n${source}\`\`\``);
  }
});

test('the App Router tree renders on the server: first state, skeleton rows, no token asked, no socket', () => {
  const fetchSpy = vi.fn(() => Promise.reject(new Error('no request may leave the server render')));
  vi.stubGlobal('fetch', fetchSpy);
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  const html = renderToString(
    <RootLayout>
      <Page />
    </RootLayout>,
  );
  expect(html).toMatch(/^<html lang="en"><head><\/head><body><main><p class="me">Signing in…<\/p>/);
  expect(html).toContain('class="pk-online-list"');
  expect(html).toContain('data-state="loading"');
  expect(html.match(/pk-online-list-skeleton/g)).toHaveLength(5);
  expect(fetchSpy).not.toHaveBeenCalled();
});
