import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';

/** Runs the CLI until it is ready; returns what it printed and its REST base URL. */
async function runCli(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ output: string; url: string; stop: () => void; terminate: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_ADMIN_KEY: '', ...env },
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /REST\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  // The banner is printed in one write: wait for its last line.
  while (!lines.some((line) => line.includes('sessions'))) await new Promise((resolve) => child.stdout!.once('data', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: lines.join('\n'),
    url,
    stop: () => child.kill('SIGKILL'),
    terminate: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test('the CLI never prints a generated admin key: it names a private file holding it', async () => {
  const { output, url, stop } = await runCli();
  try {
    const file = /full key in (\S+)\)/.exec(output)?.[1];
    expect(file).toBeDefined();
    const key = readFileSync(file!, 'utf8').trim();
    expect(key.length).toBeGreaterThan(20);
    expect(output).not.toContain(key);
    const response = await fetch(`${url}/api/v1/users`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
  } finally {
    stop();
  }
});

test('the CLI takes the admin key from PRESENCE_ADMIN_KEY and does not echo it', async () => {
  const { output, url, stop } = await runCli({ PRESENCE_ADMIN_KEY: 'a-key-from-the-environment' });
  try {
    expect(output).not.toContain('a-key-from-the-environment');
    expect(output).toContain('(as given)');
    expect((await fetch(`${url}/api/v1/users`, { headers: { authorization: 'Bearer a-key-from-the-environment' } })).status).toBe(200);
  } finally {
    stop();
  }
});

test('the generated key file is private (0600 in a 0700 directory with a random name) and gone after exit', async () => {
  const { output, terminate } = await runCli();
  const file = /full key in (\S+)\)/.exec(output)![1]!;
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
  expect(file).not.toMatch(/presence-server-\d+\.admin-key$/);
  await terminate();
  expect(existsSync(file)).toBe(false);
  expect(existsSync(dirname(file))).toBe(false);
});

/** Runs the CLI to its exit with some packages hidden (see hide-packages.mjs). */
function runHidden(hidden: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/server/hide-packages.mjs', 'src/server/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_ADMIN_KEY: '', HIDE_PACKAGES: hidden },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => (stdout += String(data)));
  child.stderr.on('data', (data) => (stderr += String(data)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('without the server’s peer packages, --help still answers and starting names what to install, with no stack', async () => {
  const help = await runHidden('fastify,ws', ['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Alone, it keeps everything in memory');
  const start = await runHidden('fastify,ws', []);
  expect(start.code).toBe(1);
  expect(start.stderr).toMatch(
    /^presence-server: (fastify|ws) is not installed: .*npm i fastify @fastify\/websocket @fastify\/rate-limit @fastify\/cors ws valibot\n$/,
  );
  const schemas = await runHidden('valibot', []);
  expect(schemas.stderr).toMatch(/^presence-server: valibot is not installed: .*npm i .* ws valibot\n$/);
  const redis = await runHidden('@redis/client', ['--redis', 'redis://127.0.0.1:1']);
  expect(redis.code).toBe(1);
  expect(redis.stderr).toContain('@redis/client is not installed: running as a node over Redis (--redis) needs its client: npm i @redis/client');
  expect(redis.stderr).not.toContain('    at ');
});

test('the banner says what the server keeps, and suggests a simulated user only when there are some', async () => {
  const alone = await runCli();
  try {
    expect(alone.output).toContain('everything in memory: gone when it stops');
    expect(alone.output).toContain('{"userId": "<a user id>"}');
  } finally {
    alone.stop();
  }
  const simulated = await runCli({}, ['--simulate', '2']);
  try {
    expect(simulated.output).toContain('{"userId": "sim-1"}');
  } finally {
    simulated.stop();
  }
});
