import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A presence server node as its own process (the CLI), so a test can `kill -9` it. */
export interface NodeProcess {
  httpUrl: string;
  wsUrl: string;
  child: ChildProcess;
  kill(): Promise<void>;
}

/**
 * Starts `presence-server --redis URL` in a child process on a free port.
 *
 * @example
 * ```ts
 * const node = await startNodeProcess(redis.url, { adminKey: 'k', leaseMs: 1000 });
 * await node.kill(); // SIGKILL
 * ```
 */
export async function startNodeProcess(
  redisUrl: string,
  options: { adminKey: string; leaseMs: number; prefix?: string; announceMax?: number },
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/server/cli.ts',
      '--port',
      '0',
      '--redis',
      redisUrl,
      '--lease-ms',
      String(options.leaseMs),
      ...(options.announceMax ? ['--announce-max', String(options.announceMax)] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PRESENCE_ADMIN_KEY: options.adminKey },
    },
  );
  const httpUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /REST\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (match) resolve(match[1]!);
    });
    let errors = '';
    child.stderr!.on('data', (chunk) => (errors += String(chunk)));
    child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${errors}`)));
  });
  return {
    httpUrl,
    wsUrl: `${httpUrl.replace('http', 'ws')}/ws`,
    child,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
