/**
 * Test helpers for Node test runners: a real server on a free port, signed-in clients, a wrapper for Testing Library.
 *
 * @packageDocumentation
 * @module presence-kit/testing
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { createPresenceClient, type PresenceClient, type PresenceClientOptions } from '../core/index.ts';
import type { CreateUserInput } from '../core/protocol/index.ts';
import { createPresenceServer, type PresenceServer, type PresenceServerOptions } from '../server/index.ts';

/** Options of {@link startTestServer}. */
export interface TestServerOptions extends PresenceServerOptions {
  /** Users to create up front: ids, or full inputs. */
  users?: Array<string | CreateUserInput>;
}

/** A presence server on a free port with helpers to make clients for its users. */
export interface TestServer extends PresenceServer {
  /** Ids the server shows as online right now. */
  hubOnline(): string[];
  /**
   * A client signed in as `userId` (tokens minted and refreshed for you), over `ws` even in a jsdom or
   * happy-dom test environment.
   * Unless overridden, presence shows at once (no offline grace) and there is no automatic away,
   * so tests see exactly what the server sends. Clients made here are disconnected by `close()`.
   */
  clientFor(userId: string, options?: Partial<PresenceClientOptions>): PresenceClient;
}

/**
 * Starts a presence server on 127.0.0.1 and a free port, with seeded users. Close it in `afterEach`.
 *
 * @example
 * ```ts
 * const server = await startTestServer({ users: ['ada', 'grace'] });
 * const ada = server.clientFor('ada');
 * ada.connect();
 * server.controls.setPresence('grace', { status: 'busy' });
 * await server.close();
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { users = [], ...serverOptions } = options;
  const server = await createPresenceServer({ port: 0, host: '127.0.0.1', ...serverOptions });
  for (const user of users) server.controls.createUser(typeof user === 'string' ? { id: user, username: user } : user);
  const clients: PresenceClient[] = [];
  const close = server.close;
  return Object.assign(server, {
    hubOnline: () => [...server.store.usersAfter(null)].filter((user) => server.controls.presenceOf(user.id).online).map((user) => user.id),
    clientFor(userId: string, clientOptions: Partial<PresenceClientOptions> = {}) {
      const client = createPresenceClient({
        url: server.httpUrl,
        session: server.mintTokens(userId),
        // Always `ws`: this runs in Node, and a DOM test environment's global WebSocket (jsdom's) is not
        // a real client for a real server.
        WebSocket: NodeWebSocket,
        environment: null,
        offlineGraceMs: 0,
        autoAway: false,
        shareConnection: false,
        ...clientOptions,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      await close();
    },
  });
}
export { makePresence, makeUserView } from './fixtures.ts';
export { createPresenceWrapper } from './react.tsx';
export { createMockPresence } from './mock.ts';
export type { MockPresenceControls, MockPresenceOptions } from './mock.ts';
export { startFaultProxy } from './fault-proxy.ts';
export type { FaultMode, FaultProxy } from './fault-proxy.ts';
