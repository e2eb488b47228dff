import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private redis-server on a free loopback port, for one test file. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops it with SIGKILL (no save), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory (AOF replayed when enabled). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts Debian's `redis-server` (`apt-get install redis-server`; `REDIS_SERVER` points elsewhere) with no
 * persistence, or with an append-only file in a temporary directory when `aof` is set.
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * const server = await createPresenceServer({ redis: redis.url });
 * await redis.stop();
 * ```
 */
export async function startRedis(options: { aof?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pk-redis-'));
  let child: ChildProcess | null = null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes'];
    args.push('--appendonly', options.aof ? 'yes' : 'no');
    if (options.aof) args.push('--appendfsync', 'always');
    const started = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      started.stdout!.on('data', onData);
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
    });
  };
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => halt('SIGKILL'),
    restart: launch,
    async stop() {
      await halt('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
