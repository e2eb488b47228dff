// The server side of `npm run bench:rooms`, in its own process: the presence server ("kit", with the
// audience given) or a bare `ws` server relaying each client's update to the others of its room ("bare").
import { WebSocketServer, type WebSocket } from 'ws';
import { createPresenceServer } from '../src/server/index.ts';

const [mode, clientsText, roomSizeText, audience] = process.argv.slice(2) as ['kit' | 'bare', string, string, 'everyone' | 'shared-rooms'];
const clients = Number(clientsText);
const roomSize = Number(roomSizeText);
const roomOf = (i: number) => `room-${Math.floor(i / roomSize)}`;
const stats = () => ({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });

if (mode === 'kit') {
  // Every client comes from 127.0.0.1: the per-address caps that would refuse that many are lifted.
  const server = await createPresenceServer({
    port: 0,
    audience,
    maxConnectionsPerIp: 100_000,
    limits: { handshakesPerSecond: 100_000, snapshotUsersPerSecond: 1e9, snapshotUsersPerSecondTotal: 1e9, framesPerSecond: 1_000 },
  });
  const tokens: string[] = [];
  for (let i = 0; i < clients; i++) {
    server.controls.createUser({ id: `u${i}`, username: `u${i}` });
    // Each user's persistent membership is the room they enter (what `shared-rooms` scopes presence by).
    // Set in the store directly, before anyone connects: one node, nothing to tell yet.
    server.store.setRoomMember(roomOf(i), `u${i}`, true);
    tokens.push(server.mintTokens(`u${i}`).accessToken);
  }
  process.on('message', (message: { type: string; users?: number[]; t?: number }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', ...stats() });
    if (message.type === 'status') {
      for (const i of message.users!) server.controls.setPresence(`u${i}`, { statusMessage: `t=${message.t}` });
      process.send!({ type: 'status' });
    }
  });
  process.send!({ type: 'ready', wsUrl: server.wsUrl, tokens });
} else {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws) => {
    let room: string | undefined;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; room: string; userId: string; presence: unknown };
      if (message.type === 'enter') {
        room = message.room;
        let set = rooms.get(room);
        if (!set) rooms.set(room, (set = new Set()));
        set.add(ws);
        ws.send('{"type":"room"}');
        return;
      }
      // The frame the presence server sends for one member's change, built once, to everyone in the room.
      const frame = JSON.stringify({
        type: 'room-update',
        room,
        members: [
          { userId: message.userId, presence: message.presence, connections: [{ id: 'n/1', presence: message.presence, enteredAt: new Date().toISOString() }] },
        ],
        left: [],
      });
      for (const other of rooms.get(room!) ?? []) other.send(frame);
    });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', ...stats() });
  });
  process.send!({ type: 'ready', wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, tokens: [] });
}
