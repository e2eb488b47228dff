import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../core/protocol/index.ts';
import { addressKey } from './address-key.ts';
import { HttpError } from './http-error.ts';
import type { PresenceHub } from './hub.ts';

export interface WebSocketRouteOptions {
  hub: PresenceHub;
  /** Largest frame in bytes; a larger one closes the connection with 1009 from its header. */
  maxFrameBytes: number;
  log: (line: string) => void;
  /** Handshakes admitted per second from one address; more are refused with 503. */
  handshakesPerSecond: number;
}

/**
 * `GET /ws`: the upgrade passes the same edge as REST (Origin allow-list, connection caps), then a
 * per-address handshake admission and the subprotocol check; after it, frames go straight to `ws` and
 * the hub — the hot path never touches the HTTP framework.
 *
 * @example
 * ```ts
 * await registerWebSocketRoute(app, { hub, log: console.error, maxFrameBytes: 65_536, handshakesPerSecond: 200 });
 * ```
 */
export async function registerWebSocketRoute(app: FastifyInstance, options: WebSocketRouteOptions): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: options.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has(PROTOCOL_VERSION) ? PROTOCOL_VERSION : false),
    },
  });
  app.get(
    '/ws',
    {
      websocket: true,
      config: {
        access: 'anyone',
        rateLimit: {
          max: options.handshakesPerSecond,
          timeWindow: 1000,
          keyGenerator: (request: FastifyRequest) => `handshake:${addressKey(request.ip)}`,
          // 503: the client's jittered backoff retries it, so a restart is not a stampede.
          errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) =>
            new HttpError('rate-limited', 'too many handshakes: retry with backoff', context.ttl, 503),
        },
      },
      preValidation: async (request) => {
        const offered = String(request.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((item) => item.trim());
        if (!offered.includes(PROTOCOL_VERSION)) throw new HttpError('bad-message', `the ${PROTOCOL_VERSION} subprotocol is required`, undefined, 426);
        const admitted = options.hub.admits(addressKey(request.ip));
        if (!admitted.ok)
          throw new HttpError('rate-limited', 'too many failed authentications from this address: retry with backoff', admitted.retryAfterMs, 503);
      },
    },
    (socket, request) => {
      try {
        const frameworks = socket.listeners('error') as Array<(error: Error) => void>;
        options.hub.accept(socket, request.raw);
        release(socket, request.raw, frameworks);
      } catch (error) {
        // One upgrade that fails closes its own socket; it never reaches the process.
        options.log(`internal error accepting a socket: ${(error as Error)?.message ?? String(error)}`);
        socket.close(1011, 'internal error');
      }
    },
  );
}

/**
 * Lets the upgrade's HTTP objects go once the socket is the hub's. @fastify/websocket routes an upgrade
 * through Fastify with a ServerResponse attached to the TCP socket, and the socket's error listener it adds
 * holds the Fastify request and reply: all of it lived as long as the connection (about 3 KB of each
 * idle connection's 8). The hub has its own error listener by now.
 */
function release(socket: WebSocket, request: IncomingMessage, frameworks: Array<(error: Error) => void>): void {
  for (const listener of frameworks) socket.removeListener('error', listener);
  const tcp = request.socket as Socket & { _httpMessage?: ServerResponse | null };
  // detachSocket is what Node's own server calls when a response is done with its socket.
  tcp._httpMessage?.detachSocket(tcp);
}
