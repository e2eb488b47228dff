// npm run dev: the presence server with simulated users and guest sessions, and the Storybook catalog
// whose live stories connect to it. Both on loopback; prints where to open them. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const presencePort = process.env.PRESENCE_PORT ?? '8787';
const storybookPort = process.env.STORYBOOK_PORT ?? '6006';
const presenceUrl = `http://127.0.0.1:${presencePort}`;
const children = [];

function start(name, command, args, env, isReady) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let ready = false;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!ready && isReady(line)) {
          ready = true;
          resolve();
        }
        if (process.env.DEV_VERBOSE || /error/i.test(line)) console.log(`[${name}] ${line}`);
      });
    }
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`${name} exited with code ${code} before it was ready`));
      else if (!stopping) {
        console.error(`${name} stopped (code ${code}); stopping everything`);
        stop(1);
      }
    });
  });
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

try {
  await start(
    'presence',
    bin('tsx'),
    ['src/server/cli.ts', '--port', presencePort, '--host', '127.0.0.1', '--simulate', '24', '--guests', '--guest-rate', '600'],
    {},
    (line) => line.includes('presence server ready'),
  );
  await start(
    'storybook',
    bin('storybook'),
    ['dev', '-p', storybookPort, '--host', '127.0.0.1', '--ci', '--no-open', '--disable-telemetry'],
    { STORYBOOK_PRESENCE_URL: presenceUrl, STORYBOOK_DISABLE_TELEMETRY: '1' },
    (line) => /Storybook .* (started|ready)|Local:/i.test(line),
  );
  console.log(`
presence-kit is running:
  Storybook catalog   http://127.0.0.1:${storybookPort}/
  live catalog        http://127.0.0.1:${storybookPort}/?path=/story/live-with-the-dev-server--catalog
  presence server     ${presenceUrl}/api/v1/health  (24 simulated users, guest sessions on)
Ctrl-C stops both.`);
} catch (error) {
  console.error(`npm run dev: ${error.message}`);
  stop(1);
}
