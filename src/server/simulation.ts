import type { ChosenStatus } from '../core/protocol/index.ts';
import type { PresenceServer } from './server.ts';

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Margaret',
  'Linus',
  'Barbara',
  'Dennis',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
  'Hedy',
  'Guido',
  'Katherine',
  'Edsger',
  'Annie',
  'Donald',
  'Mary',
  'Bjarne',
  'Sophie',
  'John',
  'Joan',
  'Niklaus',
  'Karen',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Hamilton',
  'Torvalds',
  'Liskov',
  'Ritchie',
  'Allen',
  'Thompson',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'van Rossum',
  'Johnson',
  'Dijkstra',
  'Easley',
  'Knuth',
  'Jackson',
  'Stroustrup',
  'Wilson',
  'McCarthy',
  'Clarke',
  'Wirth',
  'Spärck Jones',
];
/** Status messages with their emoji; a quarter of them clear themselves after a minute, as real ones do. */
const MESSAGES: Array<[string, string] | null> = [
  ['In a meeting', '📅'],
  ['Focusing', '🎧'],
  ['Lunch', '🍜'],
  ['On a call', '📞'],
  ['Commuting', '🚌'],
  ['Reviewing PRs', '👀'],
  null,
  null,
  null,
];
const TEAMS = ['design', 'engineering', 'support', 'sales'];
/** Rooms the simulated users wander into: a document and two channels. */
export const SIMULATED_ROOMS = ['doc:welcome', 'channel:general', 'channel:random'] as const;

/** Options of {@link simulateUsers}. */
export interface SimulationOptions {
  /** How many users to simulate. */
  count: number;
  /** Mean time between two changes, in ms (default 1500). */
  meanIntervalMs?: number;
  /** Random source, for deterministic runs. */
  random?: () => number;
}

/**
 * Creates `count` users on the server who come online, go away, change status and drop off at random,
 * and half of whom enter one of {@link SIMULATED_ROOMS} and move and type there, so a demo or catalog is alive. Returns a function that stops the simulation.
 *
 * @example
 * ```ts
 * const server = await createPresenceServer();
 * const stop = simulateUsers(server, { count: 24 });
 * ```
 */
export function simulateUsers(server: PresenceServer, options: SimulationOptions): () => void {
  const random = options.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const ids: string[] = [];
  const connected = new Set<string>();
  /** The room each connected user is in, if any (one at a time, through their one simulated connection). */
  const inRoom = new Map<string, string>();
  const roomPresence = () => ({ cursor: { x: Math.round(random() * 400), y: Math.round(random() * 160) }, typing: random() < 0.25 });
  const connect = (id: string) => {
    server.controls.connect(id);
    connected.add(id);
    // About half of those who come online enter a room.
    if (random() < 0.5) {
      const room = pick(SIMULATED_ROOMS);
      server.controls.enterRoom(id, room, roomPresence());
      inRoom.set(id, room);
    }
  };
  for (let i = 0; i < options.count; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
    const round = Math.floor(i / FIRST_NAMES.length);
    const id = `sim-${i + 1}`;
    if (!server.store.getUser(id)) {
      server.controls.createUser({
        id,
        username: `${first.toLowerCase()}${round ? round + 1 : ''}`,
        displayName: `${first} ${last}${round ? ` ${round + 1}` : ''}`,
        kind: i % 11 === 10 ? 'bot' : 'person',
        role: i === 0 ? 'admin' : 'member',
        tags: [pick(TEAMS)],
      });
    }
    ids.push(id);
    // About two thirds start online, so the list is never empty.
    if (random() < 0.66) connect(id);
  }

  function step(): void {
    const id = pick(ids);
    const roll = random();
    if (!connected.has(id)) {
      connect(id);
      server.controls.setPresence(id, { status: 'online', ...statusText() });
    } else if (roll < 0.2) {
      server.controls.disconnect(id);
      connected.delete(id);
      inRoom.delete(id);
    } else if (roll < 0.45 && inRoom.has(id)) {
      // Leaving a room is leaving with the connection (the server's grace applies, as to a closed tab).
      server.controls.setRoomPresence(id, inRoom.get(id)!, roomPresence());
    } else if (roll < 0.7) {
      const status: ChosenStatus = pick(['online', 'online', 'away', 'busy']);
      server.controls.setPresence(id, { status });
    } else if (roll < 0.9) {
      server.controls.setPresence(id, statusText());
    } else {
      server.controls.setPresence(id, { callStatus: random() < 0.5 ? 'in-call' : 'available' });
    }
  }

  function statusText() {
    const message = pick(MESSAGES);
    if (message === null) return { statusMessage: null, statusEmoji: null };
    const expiresAt = random() < 0.25 ? { statusExpiresAt: new Date(Date.now() + 60_000).toISOString() } : {};
    return { statusMessage: message[0], statusEmoji: message[1], ...expiresAt };
  }

  const mean = options.meanIntervalMs ?? 1500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    timer = setTimeout(
      () => {
        step();
        schedule();
      },
      mean * (0.25 + random() * 1.5),
    );
    timer.unref?.();
  };
  schedule();
  return () => {
    clearTimeout(timer);
    for (const id of connected) server.controls.disconnect(id);
    connected.clear();
    inRoom.clear();
  };
}
