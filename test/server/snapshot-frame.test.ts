// Snapshots on the socket are joined from each user's view as JSON, cached while its inputs stay the
// same objects: what each viewer gets must be exactly the view REST gives the same viewer, before and
// after every kind of change.
import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest } from '../helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('each viewer’s snapshot holds exactly the views REST gives them, through changes that invalidate the cache', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace', 'linus', 'eve'], guests: true }));
  const admin = { authorization: `Bearer ${srv.adminKey}` };
  await rest(srv.httpUrl, '/api/v1/users/ada', { method: 'PATCH', headers: admin, json: { metadata: { team: 'core' } } });
  const guest = await rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} });
  const tokens: Record<string, string> = {
    grace: srv.mintTokens('grace').accessToken,
    linus: srv.mintTokens('linus').accessToken,
    eve: srv.mintTokens('eve').accessToken,
    guest: guest.body.tokens.accessToken as string,
  };
  for (const id of ['ada', 'grace', 'linus']) srv.controls.connect(id);
  srv.controls.block('eve', 'ada');
  const subjects = ['ada', 'grace', 'linus', 'eve'];
  const sockets = Object.fromEntries(
    await Promise.all(Object.entries(tokens).map(async ([name, token]) => [name, await openRawSocket(srv.wsUrl, token)] as const)),
  );
  let rid = 0;
  async function compare(): Promise<void> {
    for (const [name, token] of Object.entries(tokens)) {
      const socket = sockets[name]!;
      const asked = ++rid;
      socket.send({ type: 'catch-up', rid: asked, users: subjects });
      const viaSocket = (await socket.next('snapshot', (message) => message.rid === asked)).users;
      for (const view of viaSocket) {
        const viaRest = await rest(srv.httpUrl, `/api/v1/users/${view.id}`, { token });
        expect(view, `${name} looking at ${view.id}`).toEqual(viaRest.body);
      }
      // Asked twice: the second answer comes from the cache.
      const again = ++rid;
      socket.send({ type: 'catch-up', rid: again, users: subjects });
      expect((await socket.next('snapshot', (message) => message.rid === again)).users).toEqual(viaSocket);
    }
  }
  await compare();
  srv.controls.setPresence('ada', { status: 'busy', statusMessage: 'Deep work' });
  await compare();
  await rest(srv.httpUrl, '/api/v1/users/ada', { method: 'PATCH', headers: admin, json: { displayName: 'Ada L.', metadata: { team: 'infra' } } });
  await compare();
  // Invisible, then an edit: others keep the profile as it was, the cache too.
  srv.controls.setPresence('linus', { status: 'invisible' });
  await rest(srv.httpUrl, '/api/v1/users/linus', { method: 'PATCH', headers: admin, json: { displayName: 'Linus T.' } });
  await compare();
  srv.controls.setPresence('linus', { status: 'online' });
  srv.controls.block('grace', 'ada');
  await compare();
});
