import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { openRawSocket, rest } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

const ADMIN = 'cluster-test-admin-key';
const FAST = { leaseMs: 1_000, renewMs: 200 };
let redis: TestRedis;
const nodes: PresenceServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis.stop());
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.close()));
});

async function node(prefix: string): Promise<PresenceServer> {
  const server = await createPresenceServer({ redis: redis.url, adminKey: ADMIN, cluster: { ...FAST, prefix } });
  nodes.push(server);
  return server;
}

async function user(server: PresenceServer, id: string): Promise<string> {
  expect((await rest(server.httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id, username: id } })).status).toBe(201);
  return (await rest(server.httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: id } })).body.accessToken;
}

test('two nodes share users, sessions and presence, in one order', async () => {
  const [a, b] = [await node('t1'), await node('t1')];
  const ada = await user(a, 'ada');
  const grace = await user(b, 'grace');
  // A session minted on node a works on node b, and the other way round.
  const graceOnB = await openRawSocket(b.wsUrl, grace);
  graceOnB.send({ type: 'subscribe', rid: 1, online: true, users: ['ada'] });
  await graceOnB.next('snapshot');
  const adaOnA = await openRawSocket(a.wsUrl, ada);
  expect((await graceOnB.next('presence', (m) => m.userId === 'ada')).presence?.online).toBe(true);
  adaOnA.send({ type: 'set-presence', rid: 2, patch: { status: 'busy', statusMessage: 'on node a' } });
  await adaOnA.next('ack');
  const seen = await graceOnB.next('presence', (m) => m.userId === 'ada' && m.presence?.status === 'busy');
  const own = await adaOnA.next('presence', (m) => m.userId === 'ada' && m.presence?.status === 'busy');
  // One global order: the same change has the same number on both nodes.
  expect(seen.seq).toBe(own.seq);
  expect((await rest(b.httpUrl, '/api/v1/users/ada', { token: ADMIN })).body.presence).toMatchObject({ status: 'busy', statusMessage: 'on node a' });
});
