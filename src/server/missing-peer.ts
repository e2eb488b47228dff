/**
 * The server's packages are optional peers of presence-kit (a browser app never installs them). When one
 * is missing, Node's ERR_MODULE_NOT_FOUND stack names a file deep in dist; this names the package and
 * the command that installs what is needed instead.
 *
 * @example
 * ```ts
 * const { createPresenceServer } = await import('./server.ts').catch(explainMissingPeer(SERVER_PEERS));
 * ```
 */
export function explainMissingPeer(install: string): (error: unknown) => never {
  return (error) => {
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    const missing = code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find (?:package|module) '([^']+)'/.exec(message ?? '')?.[1] : undefined;
    if (missing === undefined) throw error;
    throw new Error(`${missing} is not installed: ${install}`, { cause: error });
  };
}

/** What the presence server needs beside presence-kit. */
export const SERVER_PEERS = 'the presence server needs its peer packages: npm i fastify @fastify/websocket @fastify/rate-limit @fastify/cors ws valibot';

/** What `--redis` (the `redis` option) needs beside them. */
export const REDIS_PEER = 'running as a node over Redis (--redis) needs its client: npm i @redis/client';
