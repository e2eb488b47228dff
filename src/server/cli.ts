#!/usr/bin/env node
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { explainMissingPeer, SERVER_PEERS } from './missing-peer.ts';
import type { RoomPermissions } from './room-access.ts';

const HELP = `presence-server: the presence-kit server (REST and WebSocket on one port)

  Alone, it keeps everything in memory: users, sessions, blocks and rooms are gone when it
  stops (development, tests, demos). With --redis it keeps them in Redis and runs as one of
  N nodes that share them, which is what production wants.

  --port N        port to listen on (default 8787; 0 picks a free one)
  --host H        interface to bind (default 127.0.0.1)
  --simulate N    N simulated users who come and go (default 0)
  --guests        allow guest sessions
  --guest-rooms P rooms guests may enter: pattern=access, comma-separated
                  (e.g. 'lobby=read,demo:*=write'; default none)
  --guest-rate N  guest sessions one address may create per minute (default 10)
  --avatar-hosts H  hosts users may point their avatar URL at, comma-separated, or *
                  (default none: users upload a picture; an admin may set any URL)
  --audience A    whose presence a user sees: everyone (default) or shared-rooms
                  (only users sharing a room membership with them)
  --admin-key K   admin secret (or PRESENCE_ADMIN_KEY; default: random, written to a file
                  readable only by you, whose path is printed — the key itself never is)
  --redis URL     run as one of N nodes sharing everything through this Redis
                  (or PRESENCE_REDIS_URL; needs @redis/client installed)
  --lease-ms N    with --redis: a node silent this long is declared down and its users
                  go offline everywhere (default 5000; leases renew every fifth of it)
  --announce-max N  above this many people online, online-list watchers get counts and
                  the rows they show, not every change (default 100)
  --room-announce-max N  the same for each room's members (default 100)
  --help`;

/**
 * `lobby=read,demo:*=write` → `{ lobby: 'read', 'demo:*': 'write' }`, checked as the REST route checks it
 * (with the schema, loaded here so that `--help` needs none of the server's packages).
 */
async function parseGuestRooms(text: string): Promise<RoomPermissions> {
  const [v, { RoomPermissionsSchema }] = await Promise.all([import('valibot'), import('./room-access.ts')]).catch(explainMissingPeer(SERVER_PEERS));
  const entries = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const at = part.lastIndexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    });
  const parsed = v.safeParse(RoomPermissionsSchema, Object.fromEntries(entries));
  if (!parsed.success || entries.some(([pattern]) => pattern === ''))
    throw new Error(`--guest-rooms: expected pattern=read|write, comma-separated, got ${text}`);
  return parsed.output;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      simulate: { type: 'string', default: '0' },
      guests: { type: 'boolean', default: false },
      'guest-rate': { type: 'string', default: '10' },
      'guest-rooms': { type: 'string', default: '' },
      'avatar-hosts': { type: 'string', default: '' },
      'admin-key': { type: 'string' },
      audience: { type: 'string', default: 'everyone' },
      redis: { type: 'string' },
      'lease-ms': { type: 'string', default: '5000' },
      'announce-max': { type: 'string', default: '100' },
      'room-announce-max': { type: 'string', default: '100' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = Number(values.port);
  const count = Number(values.simulate);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, got ${values.port}`);
  if (!Number.isInteger(count) || count < 0 || count > 100_000) throw new Error(`--simulate: expected 0-100000, got ${values.simulate}`);
  const guestRate = Number(values['guest-rate']);
  if (!Number.isInteger(guestRate) || guestRate < 1 || guestRate > 100_000) throw new Error(`--guest-rate: expected 1-100000, got ${values['guest-rate']}`);

  const leaseMs = Number(values['lease-ms']);
  if (!Number.isInteger(leaseMs) || leaseMs < 200 || leaseMs > 600_000) throw new Error(`--lease-ms: expected 200-600000, got ${values['lease-ms']}`);
  const announceMax = Number(values['announce-max']);
  if (!Number.isInteger(announceMax) || announceMax < 1 || announceMax > 10_000_000)
    throw new Error(`--announce-max: expected 1-10000000, got ${values['announce-max']}`);
  const roomAnnounceMax = Number(values['room-announce-max']);
  if (!Number.isInteger(roomAnnounceMax) || roomAnnounceMax < 1 || roomAnnounceMax > 10_000_000)
    throw new Error(`--room-announce-max: expected 1-10000000, got ${values['room-announce-max']}`);
  const guestRooms = await parseGuestRooms(values['guest-rooms']);
  const audience = values.audience;
  if (audience !== 'everyone' && audience !== 'shared-rooms') throw new Error(`--audience: expected everyone or shared-rooms, got ${audience}`);
  const redis = values.redis || process.env.PRESENCE_REDIS_URL || undefined;
  const givenKey = values['admin-key'] || process.env.PRESENCE_ADMIN_KEY || undefined;
  // Loaded only now, so --help and bad arguments need none of the server's packages.
  const { createPresenceServer } = await import('./server.ts').catch(explainMissingPeer(SERVER_PEERS));
  const { simulateUsers } = await import('./simulation.ts');
  const server = await createPresenceServer({
    port,
    host: values.host,
    guests: values.guests,
    audience,
    announceMax,
    roomAnnounceMax,
    guestRooms,
    guestSessionsPerMinute: guestRate,
    avatarHosts:
      values['avatar-hosts'] === '*'
        ? '*'
        : values['avatar-hosts']
            .split(',')
            .map((host) => host.trim().toLowerCase())
            .filter(Boolean),
    ...(redis ? { redis, cluster: { leaseMs, renewMs: Math.max(50, Math.floor(leaseMs / 5)) } } : {}),
    ...(givenKey ? { adminKey: givenKey } : {}),
    log: (line) => console.error(`[presence-server] ${line}`),
  });
  // Terminal output ends up in CI logs and screen shares: a generated key goes to a private file.
  // The file is created exclusively (0600) in a directory only this user can enter (mkdtemp: 0700, a
  // random name), so no other local user can have put a file there first to receive the key; both go at exit.
  let keyNote = '(as given)';
  let keyDir: string | undefined;
  if (!givenKey) {
    keyDir = mkdtempSync(join(tmpdir(), 'presence-server-'));
    const file = join(keyDir, 'admin-key');
    writeFileSync(file, `${server.adminKey}\n`, { mode: 0o600, flag: 'wx' });
    keyNote = `${server.adminKey.slice(0, 4)}… (full key in ${file})`;
    process.once('exit', () => rmSync(keyDir!, { recursive: true, force: true }));
  }
  const stop = count > 0 ? simulateUsers(server, { count }) : () => {};
  // Before the banner: whoever reads it may stop the server at once, and the key file must still go.
  const shutdown = async () => {
    stop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  console.log(`presence server ready
  REST       ${server.httpUrl}/api/v1/   (try ${server.httpUrl}/api/v1/health)
  WebSocket  ${server.wsUrl}   (subprotocol presence.v1)
  simulated  ${count} users
  keeps      ${redis ? `everything in the Redis at ${redis.replace(/\/\/[^@/]*@/, '//***@')} (one of N nodes)` : 'everything in memory: gone when it stops (--redis keeps it)'}
  admin key  ${keyNote}
  sessions   POST ${server.httpUrl}/api/v1/sessions {"userId": "${count > 0 ? 'sim-1' : '<a user id>'}"} with Authorization: Bearer <admin key>${
    values.guests ? `\n  guests     POST ${server.httpUrl}/api/v1/guest-sessions` : ''
  }`);
}

main().catch((error: unknown) => {
  console.error(`presence-server: ${(error as Error).message}`);
  process.exit(1);
});
