// npm run dev: the presence server with simulated users and guest sessions, and the Storybook catalog
// whose live stories connect to it. Both on loopback; prints where to open them. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const presencePort = process.env.PRESENCE_PORT ?? '8787';
const storybookPort = process.env.STORYBOOK_PORT ?? '6006';
const presenceUrl = `http://127.0.0.1:${presencePort}`;
const children = [];

/** Lines of the children's output worth keeping (where the server put its admin key). */
const noticed = {};

function start(name, command, args, env, isReady) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let ready = false;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const keyFile = /full key in (.+)\)/.exec(line);
        if (keyFile) noticed.adminKeyFile = keyFile[1];
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
    ['src/server/cli.ts', '--port', presencePort, '--host', '127.0.0.1', '--simulate', '24', '--guests', '--guest-rate', '600', '--guest-rooms', '*=write'],
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

Sign in from your app as a guest (this server allows guests, in every room):
  <PresenceProvider url="${presenceUrl}" guest={{ displayName: 'Ada' }}>...</PresenceProvider>
or as one of the simulated users (sim-1 ... sim-24), with a session minted by the admin key:
  curl -s -X POST ${presenceUrl}/api/v1/sessions -H "authorization: Bearer $(cat ${noticed.adminKeyFile ?? '<admin key file>'})" \\
       -H 'content-type: application/json' -d '{"userId":"sim-1"}'
  then <PresenceProvider url="${presenceUrl}" session={tokens}>, tokens being that answer.
Ctrl-C stops both.`);
} catch (error) {
  console.error(`npm run dev: ${error.message}`);
  stop(1);
}
