// The shared room state on its own: what every node applies from the log, with the log's clock.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { LogCommand } from '../../src/server/presence-log.ts';
import { RoomState } from '../../src/server/room-state.ts';

beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => void vi.useRealTimers());

function makeRooms(graceMs = 5_000) {
  const fired: LogCommand[] = [];
  const changed: string[] = [];
  const rooms: RoomState = new RoomState(graceMs, {
    changed: (room, userId) => changed.push(`${room}:${userId}`),
    event: () => {},
    fire: (command) => {
      fired.push(command);
      // As the memory log does: applied at once.
      if (command.type === 'room-expire') rooms.apply(command, Date.now());
    },
    now: Date.now,
  });
  return { rooms, fired, changed };
}

test('a node going down takes its connections out of every room, each member once, after the grace', () => {
  const { rooms, fired } = makeRooms();
  const at = Date.now();
  rooms.enter(at, 'A', '1', 'ada', 'doc:1', { x: 1 });
  rooms.enter(at, 'A', '1', 'ada', 'doc:2', null);
  rooms.enter(at, 'A', '2', 'ada', 'doc:1', { x: 2 });
  rooms.enter(at, 'B', '1', 'grace', 'doc:1', null);
  rooms.enter(at, 'B', '2', 'ada', 'doc:2', { from: 'B' });
  rooms.dropNode(at + 10, 'A');
  // Ada is still in doc:2 through node B; in doc:1 she is leaving, shown until the grace runs out.
  expect(rooms.occupant('doc:2', 'ada')!.connections.size).toBe(1);
  expect(rooms.occupant('doc:2', 'ada')!.presence).toEqual({ from: 'B' });
  expect(rooms.occupant('doc:1', 'ada')!.leavingSince).toBe(at + 10);
  vi.advanceTimersByTime(4_999);
  expect(rooms.occupant('doc:1', 'ada')).toBeDefined();
  vi.advanceTimersByTime(20);
  expect(rooms.occupant('doc:1', 'ada')).toBeUndefined();
  expect(fired).toEqual([{ type: 'room-expire', room: 'doc:1', userId: 'ada', since: at + 10 }]);
  expect([...rooms.occupants('doc:1').keys()]).toEqual(['grace']);
});

test('an expiry of an older leave does nothing to a member who came back and left again', () => {
  const { rooms } = makeRooms();
  rooms.enter(0, 'A', '1', 'ada', 'doc:1', null);
  rooms.leave(100, 'A', '1', 'doc:1');
  rooms.enter(200, 'A', '2', 'ada', 'doc:1', null);
  rooms.leave(300, 'A', '2', 'doc:1');
  // The first leave's expiry, delayed in the log, arrives now: the second leave is still in its grace.
  rooms.apply({ type: 'room-expire', room: 'doc:1', userId: 'ada', since: 100 }, 400);
  expect(rooms.occupant('doc:1', 'ada')!.leavingSince).toBe(300);
  rooms.apply({ type: 'room-expire', room: 'doc:1', userId: 'ada', since: 300 }, 500);
  expect(rooms.occupant('doc:1', 'ada')).toBeUndefined();
});

test('export and restore keep members, connections, presence and leaves in grace (with their timers)', () => {
  const { rooms } = makeRooms();
  const at = Date.now();
  rooms.enter(at, 'A', '1', 'ada', 'doc:1', { x: 1 });
  rooms.enter(at, 'A', '2', 'grace', 'doc:1', { y: 2 });
  rooms.leave(at + 1_000, 'A', '2', 'doc:1');
  const exported = JSON.parse(JSON.stringify(rooms.export()));
  const restored = makeRooms();
  restored.rooms.restore(exported);
  expect(restored.rooms.export()).toEqual(rooms.export());
  expect(restored.rooms.wire('ada', restored.rooms.occupant('doc:1', 'ada')!)).toEqual(rooms.wire('ada', rooms.occupant('doc:1', 'ada')!));
  // The restored node finishes grace's leave when it is due, and knows ada's connection when it closes.
  vi.advanceTimersByTime(6_001);
  expect(restored.rooms.occupant('doc:1', 'grace')).toBeUndefined();
  restored.rooms.dropConnection(Date.now(), 'A', '1');
  expect(restored.rooms.occupant('doc:1', 'ada')!.leavingSince).toBe(Date.now());
  rooms.close();
});

test('a broadcast from a connection not in the room is dropped', () => {
  const events: string[] = [];
  const rooms = new RoomState(5_000, {
    changed: () => {},
    event: (room, from, userId) => events.push(`${room}:${from}:${userId}`),
    fire: () => {},
    now: Date.now,
  });
  rooms.enter(0, 'A', '1', 'ada', 'doc:1', null);
  rooms.apply({ type: 'room-broadcast', node: 'A', connection: '1', userId: 'ada', room: 'doc:1', event: 1 }, 1);
  rooms.apply({ type: 'room-broadcast', node: 'A', connection: '2', userId: 'ada', room: 'doc:1', event: 1 }, 1);
  rooms.apply({ type: 'room-broadcast', node: 'A', connection: '1', userId: 'ada', room: 'doc:2', event: 1 }, 1);
  expect(events).toEqual(['doc:1:A/1:ada']);
});
