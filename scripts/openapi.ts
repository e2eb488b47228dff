// npm run openapi: writes docs/openapi.json from the REST routes themselves (their valibot schemas,
// converted by @valibot/to-json-schema). test/server/openapi.test.ts fails when the file is stale.
import { createMemoryPictureStore } from '../src/server/picture-store.ts';
import swagger from '@fastify/swagger';
import { toJsonSchema } from '@valibot/to-json-schema';
import { writeFileSync } from 'node:fs';
import type * as v from 'valibot';
import { PROTOCOL_VERSION } from '../src/core/protocol/index.ts';
import type { Access } from '../src/server/caller.ts';
import { createHttpApp } from '../src/server/http-app.ts';
import { PresenceHub } from '../src/server/hub.ts';
import { registerRestRoutes } from '../src/server/rest.ts';
import { createSessionManager } from '../src/server/sessions.ts';
import { createMemoryStore } from '../src/server/store.ts';

const ACCESS: Record<Access, string> = {
  anyone: 'No credential needed.',
  user: "A user's access token.",
  admin: 'The admin key.',
  'user-or-admin': "A user's access token or the admin key.",
};

/** The OpenAPI 3 document of the REST API, built from the routes as the server registers them. */
export async function buildOpenApi(): Promise<unknown> {
  const store = createMemoryStore();
  const sessions = createSessionManager({ store, accessTokenTtlMs: 1, refreshTokenTtlMs: 1, now: Date.now });
  const limits = {
    framesPerSecond: 1,
    statusUpdatesPerSecond: 1,
    floodCloseAfter: 1,
    subscriptionsPerConnection: 1,
    maxBufferedBytes: 1,
    authTimeoutMs: 1,
    heartbeatMs: 60_000,
    handshakesPerSecond: 1,
    connectionsPerUser: 1,
    snapshotUsersPerSecond: 1,
    failedAuthsPerSecond: 1,
    snapshotUsersPerSecondTotal: 1,
    roomsPerConnection: 1,
    roomPresenceBytes: 1,
    roomEventBytes: 1,
    roomUpdatesPerSecond: 1,
    roomBroadcastsPerSecond: 1,
  };
  const hub = new PresenceHub({ store, sessions, limits, catchUpWindowMs: 1, catchUpMaxChanges: 1, now: Date.now, log: () => {} });
  const app = await createHttpApp({
    limits: {
      maxConnections: 1,
      maxConnectionsPerIp: 1,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 1000,
      keepAliveTimeoutMs: 1000,
      requestsPerSecond: 1,
      rateLimitKeys: 1,
      bodyBytesInFlight: { perCaller: 1, total: 1 },
    },
    sessions,
    adminKey: 'unused',
    allowedOrigins: null,
    log: () => {},
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'presence-kit REST API',
        version: PROTOCOL_VERSION,
        description: 'The REST half of the presence protocol (docs/protocol.md). Errors: `{ error: { code, message, retryAfterMs? } }`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url, route }) => {
      const access: Access = (route.config as { access?: Access } | undefined)?.access ?? 'anyone';
      const converted: Record<string, unknown> = { description: ACCESS[access] };
      for (const part of ['body', 'querystring', 'params'] as const) {
        const valibot = (schema as Record<string, v.GenericSchema | undefined> | undefined)?.[part];
        if (valibot) converted[part] = toJsonSchema(valibot, { target: 'openapi-3.0', errorMode: 'ignore' });
      }
      if (access !== 'anyone') converted.security = [{ bearer: [] }];
      return { schema: converted, url };
    },
  });
  registerRestRoutes(app, {
    store,
    hub,
    sessions,
    guests: true,
    guestRooms: {},
    guestSessionsPerMinute: 1,
    maxGuests: 1,
    avatarHosts: [],
    pictures: createMemoryPictureStore(),
    maxAvatarBytesTotal: 1,
    requireHttps: false,
    publicUrl: () => '',
    now: Date.now,
  });
  await app.ready();
  const document = app.swagger();
  await app.close();
  hub.kill();
  return document;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(await buildOpenApi(), null, 2)}\n`);
  console.log('wrote docs/openapi.json');
}
