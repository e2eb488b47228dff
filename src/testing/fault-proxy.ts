import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** How the proxy treats traffic right now. */
export type FaultMode =
  /** Forward as is. */
  | 'pass'
  /** Hold everything (both ways) and deliver it, in order, when the mode changes back. */
  | 'pause'
  /** Swallow everything, both ways, and keep the sockets open: no close frame, no FIN, no RST. */
  | 'drop';

/** A proxied connection: client side and server side. */
interface Link {
  client: Socket;
  upstream: Socket;
  held: Array<{ to: Socket; chunk: Buffer }>;
  /** Held on its own (pauseExisting), whatever the proxy's mode. */
  paused: boolean;
  /** Writes are chained so delay and throttling never reorder bytes. */
  tail: Promise<void>;
}

/** A TCP proxy on 127.0.0.1 that tests command to simulate a bad network. */
export interface FaultProxy {
  /** http://127.0.0.1:PORT: give this to the client instead of the server's URL. */
  readonly httpUrl: string;
  readonly port: number;
  /** Live proxied connections. */
  readonly connections: number;
  pass(): void;
  pause(): void;
  /** Holds the connections open now (a link gone quiet); new connections pass. `pass()` releases them. */
  pauseExisting(): void;
  drop(): void;
  /** Resets every connection (RST), as a crashed router would. New connections still go through. */
  cut(): void;
  /** Adds latency to every chunk, each way (0 removes it). */
  delay(ms: number): void;
  /** Caps each direction of each connection to this many bytes per second (0 removes the cap). */
  throttle(bytesPerSecond: number): void;
  close(): Promise<void>;
}

/**
 * Starts a fault-injecting TCP proxy in front of `target` (host and port of the presence server).
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ host: '127.0.0.1', port: server.port });
 * const client = server.clientFor('ada', { url: proxy.httpUrl });
 * proxy.drop(); // the network dies silently
 * ```
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let delayMs = 0;
  let bytesPerSecond = 0;
  const links = new Set<Link>();
  // Every socket ever opened, so close() can end them all (links forget theirs on the first close).
  const sockets = new Set<Socket>();

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  function send(link: Link, to: Socket, chunk: Buffer): void {
    if (delayMs === 0 && bytesPerSecond === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    const wait = delayMs + (bytesPerSecond ? (chunk.length / bytesPerSecond) * 1000 : 0);
    link.tail = link.tail.then(async () => {
      await sleep(wait);
      if (!to.destroyed) to.write(chunk);
    });
  }

  function relay(link: Link, from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'drop') return;
      if (mode === 'pause' || link.paused) {
        link.held.push({ to, chunk });
        return;
      }
      send(link, to, chunk);
    });
    // A close on one side is passed on as a close on the other, unless the network is "down".
    from.on('end', () => mode !== 'drop' && to.end());
    from.on('close', () => {
      if (mode !== 'drop') to.destroy();
      links.delete(link);
    });
    from.on('error', () => {});
  }

  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const link: Link = { client, upstream, held: [], paused: false, tail: Promise.resolve() };
    links.add(link);
    relay(link, client, upstream);
    relay(link, upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function flushHeld(): void {
    for (const link of links) {
      link.paused = false;
      const held = link.held.splice(0);
      for (const { to, chunk } of held) send(link, to, chunk);
    }
  }

  return {
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return links.size;
    },
    pass() {
      mode = 'pass';
      flushHeld();
    },
    pause() {
      mode = 'pause';
    },
    pauseExisting() {
      for (const link of links) link.paused = true;
    },
    drop() {
      mode = 'drop';
      for (const link of links) link.held.length = 0;
    },
    cut() {
      for (const link of [...links]) {
        link.client.resetAndDestroy();
        link.upstream.resetAndDestroy();
        links.delete(link);
      }
    },
    delay(ms) {
      delayMs = ms;
    },
    throttle(rate) {
      bytesPerSecond = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        links.clear();
        server.close(() => resolve());
      }),
  };
}
