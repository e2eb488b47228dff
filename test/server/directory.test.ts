import { afterEach, expect, test, vi } from 'vitest';
import { PresenceHub } from '../../src/server/hub.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { rest } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

test('a directory search builds a view only for users who match: a search for nobody costs a string test per user', async () => {
  server = await startTestServer({ users: ['ada'] });
  for (let i = 0; i < 2_000; i++) server.controls.createUser({ id: `p${i}`, username: `p${i}`, displayName: `Person ${i}` });
  const token = server.mintTokens('ada').accessToken;
  const views = vi.spyOn(PresenceHub.prototype, 'viewOf');
  const nobody = await rest(server.httpUrl, '/api/v1/users?search=nobody', { token });
  expect(nobody.body.users).toEqual([]);
  expect(views).not.toHaveBeenCalled();
  const some = await rest(server.httpUrl, '/api/v1/users?search=PERSON%20199&limit=100', { token });
  expect(some.body.users.map((user: { id: string }) => user.id).sort()).toEqual(['p199', ...Array.from({ length: 10 }, (_, i) => `p199${i}`)].sort());
  expect(views).toHaveBeenCalledTimes(11);
});

test('a search matches what the viewer sees: an invisible user renamed is found under the old name by others', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const grace = server.mintTokens('grace').accessToken;
  server.controls.setPresence('grace', { status: 'invisible' });
  expect((await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: grace, json: { displayName: 'Secret Name' } })).status).toBe(200);
  const ada = server.mintTokens('ada').accessToken;
  expect((await rest(server.httpUrl, '/api/v1/users?search=secret', { token: ada })).body.users).toEqual([]);
  expect((await rest(server.httpUrl, '/api/v1/users?search=grace', { token: ada })).body.users.map((user: { id: string }) => user.id)).toEqual(['grace']);
  expect((await rest(server.httpUrl, '/api/v1/users?search=secret', { token: grace })).body.users.map((user: { id: string }) => user.id)).toEqual(['grace']);
});
