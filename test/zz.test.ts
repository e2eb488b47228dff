import { test, vi, expect } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient } from '../src/core/index.ts';
import { startTestServer } from '../src/testing/index.ts';
test('dbg', async () => {
  const s = await startTestServer({ users: ['ada'] });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const c = s.clientFor('ada', { heartbeat: { intervalMs: 30000, timeoutMs: 5000 }, backoff: { random: () => 0 } });
  c.state.subscribe((st) => console.log('state', st.status, st.error?.message));
  c.connect();
  for (let i = 0; i < 50; i++) { await vi.advanceTimersByTimeAsync(0); await new Promise((r) => setImmediate(r)); }
  console.log('A', c.state.getState().status);
  (c as any);
  s.controls.dropConnections('ada');
  for (let i = 0; i < 50; i++) { await vi.advanceTimersByTimeAsync(10); await new Promise((r) => setImmediate(r)); }
  console.log('B', c.state.getState().status);
  vi.useRealTimers();
  await s.close();
});
