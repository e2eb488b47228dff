import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { createServer, type Server } from 'node:http';
import { LIMITS } from '../core/protocol/index.ts';
import { BodyBudget, type BodyBudgetLimits } from './body-budget.ts';
import { checkAccess, identify } from './caller.ts';
import { addressKey } from './address-key.ts';
import { withinFairShare } from './fair-share.ts';
import { HttpError } from './http-error.ts';
import type { SessionManager } from './sessions.ts';
import { valibotCompiler } from './valibot-schemas.ts';

/** Limits of the HTTP edge; each is a server option (see docs/protocol.md). */
export interface EdgeLimits {
  /** Open TCP connections, everyone together. */
  maxConnections: number;
  /** Open TCP connections from one address. */
  maxConnectionsPerIp: number;
  /** Time a client has to send its request headers. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** REST requests per second per caller (verified user, admin key, or address); bursts of twice that. */
  requestsPerSecond: number;
  /** Callers whose request counts are kept (least recently seen forgotten first). */
  rateLimitKeys: number;
  bodyBytesInFlight: BodyBudgetLimits;
}

export interface HttpAppOptions {
  limits: EdgeLimits;
  sessions: SessionManager;
  adminKey: string;
  /** Browser Origins allowed; null allows any. */
  allowedOrigins: readonly string[] | null;
  log: (line: string) => void;
  /** On N nodes: waits until this node holds what the others wrote (a session minted elsewhere). */
  sync?: () => Promise<void>;
  /** On N nodes: where request counts live, so a caller's budget is one for all nodes. */
  rateLimitStore?: new (params: unknown) => unknown;
}

/**
 * The HTTP edge every route sits behind, in the order a request meets it: connection caps and
 * timeouts (node:http), the Origin allow-list, the caller verified from its credential, the rate limit
 * keyed by that caller, the route's access rule and the body-bytes budget — all before a byte of the
 * body is read — then the route's valibot schemas. Every failure is a typed error; none can take the
 * process down.
 *
 * @example
 * ```ts
 * const app = await createHttpApp({ limits, sessions, adminKey, allowedOrigins: null, log });
 * app.get('/api/v1/health', { config: { access: 'anyone' } }, async () => ({ ok: true }));
 * ```
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { limits } = options;
  const app = Fastify({
    serverFactory: (handler) =>
      guardConnections(
        createServer(
          {
            headersTimeout: limits.headersTimeoutMs,
            requestTimeout: limits.requestTimeoutMs,
            keepAliveTimeout: limits.keepAliveTimeoutMs,
            // How often Node checks those timeouts (default 30 s, which would let slow headers linger).
            connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
          },
          handler,
        ),
        limits,
      ),
    logger: false,
    bodyLimit: LIMITS.jsonBodyBytes,
    // A JSON body with a `__proto__` or `constructor` key is refused, never merged into anything.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    forceCloseConnections: true,
    return503OnClosing: true,
    frameworkErrors: (error, _request, reply) => sendError(reply, new HttpError('bad-message', error.message)),
  });
  app.setValidatorCompiler(valibotCompiler);

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error);
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendError(reply, new HttpError('too-large', `the body may be at most ${request.routeOptions.bodyLimit ?? LIMITS.jsonBodyBytes} bytes`));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return sendError(
        reply,
        new HttpError('invalid-input', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here`, undefined, 415),
      );
    if (status >= 400 && status < 500) return sendError(reply, new HttpError('bad-message', error.message, undefined, status));
    // Never echo internals (or a request that may hold a token) to the log or the caller.
    options.log(`internal error on ${request.method} ${request.routeOptions.url ?? '(no route)'}: ${error.message}`);
    return sendError(reply, new HttpError('server-error', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) => {
    const message = request.url.startsWith('/api/v1/') ? `no route ${request.method} ${request.url.split('?')[0]}` : 'the API lives under /api/v1/';
    sendError(reply, new HttpError('not-found', message.slice(0, 200)));
  });

  const { allowedOrigins } = options;
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (allowedOrigins !== null && origin !== undefined && !allowedOrigins.includes(origin)) {
      throw new HttpError('forbidden', 'this Origin is not allowed');
    }
    request.caller = identify(request, options.sessions, options.adminKey);
    if (request.caller.kind === 'anonymous' && request.caller.refused?.code === 'unauthorized' && options.sync) {
      await options.sync();
      request.caller = identify(request, options.sessions, options.adminKey);
    }
  });
  // Bearer tokens, not cookies: answering an allowed origin exposes nothing a token does not already grant.
  await app.register(cors, {
    origin: allowedOrigins === null ? true : [...allowedOrigins],
    allowedHeaders: ['authorization', 'content-type'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  });
  // Counted per verified caller (or address), never per header text; a fixed 2 s window of twice the
  // rate, so a burst of twice the per-second rate passes. The store is an LRU: memory stays bounded.
  await app.register(rateLimit, {
    max: limits.requestsPerSecond * 2,
    timeWindow: 2000,
    cache: limits.rateLimitKeys,
    keyGenerator: (request) => request.caller.key,
    errorResponseBuilder: (_request, context) => new HttpError('rate-limited', 'too many requests', context.ttl),
    // Shared counts when clustered; while Redis is out of reach, requests pass rather than all failing.
    ...(options.rateLimitStore ? { store: options.rateLimitStore as never, skipOnError: true } : {}),
  });

  const bodies = new BodyBudget(limits.bodyBytesInFlight);
  app.decorate('bodiesInFlight', () => bodies.inFlight);
  app.addHook('preParsing', async (request, reply, payload) => {
    checkAccess(request.caller, request.routeOptions.config.access ?? 'anyone');
    const headers = request.headers;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return payload;
    const bodyLimit = request.routeOptions.bodyLimit ?? LIMITS.jsonBodyBytes;
    const declared = Number(headers['content-length']);
    if (declared > bodyLimit) throw new HttpError('too-large', `the body may be at most ${bodyLimit} bytes`);
    const release = bodies.reserve(request.caller.key, Number.isInteger(declared) ? declared : bodyLimit);
    reply.raw.once('close', release);
    return payload;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Request-body bytes reserved now (for tests and stats). */
    bodiesInFlight(): number;
  }
}

function sendError(reply: FastifyReply, error: HttpError): void {
  if (error.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  if (reply.request.headers.upgrade !== undefined) {
    // A refused upgrade's socket belongs to nobody once answered (node:http let go of it): close it.
    reply.header('connection', 'close');
    reply.raw.once('finish', () => reply.request.raw.socket.destroySoon());
  }
  void reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.toBody());
}

/**
 * Caps open TCP connections in total and per remote address (the kernel's, never a header's); past three
 * quarters of the total, an address holding more than a fair share gets no more, so addresses that each
 * stay within their cap cannot fill the server and shut a newcomer out.
 */
function guardConnections(server: Server, limits: EdgeLimits): Server {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  let total = 0;
  server.on('connection', (socket) => {
    const address = addressKey(socket.remoteAddress);
    const held = open.get(address) ?? 0;
    const fair = withinFairShare({ held, amount: 1, total, capacity: limits.maxConnections, holders: open.size });
    if (held + 1 > limits.maxConnectionsPerIp || !fair) {
      socket.destroy();
      return;
    }
    open.set(address, held + 1);
    total += 1;
    socket.once('close', () => {
      total -= 1;
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  return server;
}
