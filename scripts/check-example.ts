// examples/vite-app, the README's first live list, as a user builds it: installed from the packed tarball,
// built with Vite against a presence server that allows guests, then two Chromium pages (two guests): a
// status set in one shows in the other's list. `npm run check:example` (run by .ci/run).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium as playwright } from 'playwright-core';
import { chromium } from '../vite.config.ts';
import { createPresenceServer } from '../src/server/index.ts';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'presence-kit-example-'));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const presence = await createPresenceServer({ port: 0, host: '127.0.0.1', guests: true });
let site: ReturnType<typeof createServer> | undefined;
let browser: Awaited<ReturnType<typeof playwright.launch>> | undefined;
try {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const app = join(dir, 'vite-app');
  cpSync(join(root, 'examples', 'vite-app'), app, { recursive: true, filter: (path) => !path.includes('node_modules') && !path.includes('dist') });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies['presence-kit'] = `file:${join(dir, `presence-kit-${version}.tgz`)}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  console.log('== examples/vite-app: install from the packed tarball, build');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  execFileSync(process.execPath, [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: app,
    stdio: 'inherit',
    env: { ...process.env, VITE_PRESENCE_URL: presence.httpUrl },
  });

  const dist = join(app, 'dist');
  site = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    // The example has no icon; a 404 for it would read as a page error.
    if (path === '/favicon.ico') return void response.writeHead(204).end();
    const file = join(dist, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dist)) return void response.writeHead(400).end();
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return void response.writeHead(404).end();
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((done) => site!.listen(0, '127.0.0.1', done));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;

  browser = await playwright.launch({ executablePath: chromium.executablePath, args: chromium.args });
  const errors: string[] = [];
  const open = async (name: string) => {
    const page = await (await browser!.newContext()).newPage();
    page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && errors.push(`${name}: ${message.text()}`));
    await page.goto(`${siteUrl}?name=${name}`);
    try {
      await page.locator('header', { hasText: name }).waitFor({ timeout: 20_000 });
    } catch (error) {
      throw new Error(`${name}'s page never showed them signed in: ${errors.join('; ') || (await page.content()).slice(0, 500)}`, { cause: error });
    }
    return page;
  };
  const ada = await open('Ada');
  const grace = await open('Grace');
  await grace.getByRole('option', { name: /Ada/ }).waitFor({ timeout: 20_000 });
  // The header's MyStatus opens the StatusPicker.
  await ada.getByRole('button', { name: /Ada/ }).click();
  await ada.getByRole('radio', { name: /Busy/ }).check();
  await ada.getByLabel('Status message').fill('Writing the compiler');
  await ada.getByRole('button', { name: 'Save' }).click();
  const row = grace.getByRole('option', { name: /Ada/ });
  await grace.locator('.pk-online-list-row[data-status="busy"]', { hasText: 'Ada' }).waitFor({ timeout: 20_000 });
  const text = await row.textContent();
  if (!text?.includes('Writing the compiler')) throw new Error(`Grace's list shows Ada as "${text}"`);
  // Selecting her row shows her card.
  await row.click();
  await grace.locator('.pk-card', { hasText: 'Writing the compiler' }).waitFor({ timeout: 20_000 });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log("examples/vite-app ok: two guests, a status set from one page's MyStatus is in the other page's list, in the Busy section, and on Ada's card");
} finally {
  await browser?.close();
  await new Promise((done) => (site ? site.close(done) : done(undefined)));
  await presence.close();
  rmSync(dir, { recursive: true, force: true });
}
