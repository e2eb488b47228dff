import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing/index.ts';

let server: TestServer;
afterEach(async () => server?.close());

test('a client connects, sees another user come online and change status', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const ada = server.clientFor('ada');
  ada.connect();
  const grace = await ada.getUser('grace');
  const updates: string[] = [];
  grace.onStatusUpdate(({ status }) => updates.push(status));
  const connected = new Promise<void>((resolve) => grace.onConnect(() => resolve()));
  await expect.poll(() => ada.state.getState().status).toBe('connected');
  server.controls.connect('grace');
  await connected;
  server.controls.setPresence('grace', { status: 'busy' });
  await expect.poll(() => updates).toEqual(['online', 'busy']);
});
