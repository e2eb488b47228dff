import { afterEach, expect, test, vi } from 'vitest';
import { createAutoAway } from '../../src/core/auto-away.ts';
import { trackIdle } from '../../src/core/idle.ts';

afterEach(() => vi.useRealTimers());

/** An EventTarget that counts its listeners, to prove nothing is left behind. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>) {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>) {
    this.listeners--;
    super.removeEventListener(...args);
  }
}

test('goes idle after the quiet period, active again at the next input, and cleans up', () => {
  vi.useFakeTimers();
  const target = new CountingTarget();
  const calls: string[] = [];
  const stop = trackIdle(
    target,
    60_000,
    () => calls.push('idle'),
    () => calls.push('active'),
  );
  vi.advanceTimersByTime(30_000);
  target.dispatchEvent(new Event('pointermove'));
  vi.advanceTimersByTime(59_000);
  expect(calls).toEqual([]);
  vi.advanceTimersByTime(1_000);
  expect(calls).toEqual(['idle']);
  vi.advanceTimersByTime(600_000);
  expect(calls).toEqual(['idle']);
  target.dispatchEvent(new Event('keydown'));
  target.dispatchEvent(new Event('keydown'));
  expect(calls).toEqual(['idle', 'active']);
  vi.advanceTimersByTime(60_000);
  expect(calls).toEqual(['idle', 'active', 'idle']);
  stop();
  expect(target.listeners).toBe(0);
  expect(vi.getTimerCount()).toBe(0);
});

test('automatic away across tabs: the tab left open brings the user back after the tab that set away closed', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  // What the server holds and echoes to every tab: one status for the user.
  let status: 'online' | 'away' = 'online';
  const sent: string[] = [];
  const tab = (environment: EventTarget) =>
    createAutoAway({
      environment,
      afterMs: 60_000,
      currentStatus: () => status,
      send: async (next) => {
        sent.push(next);
        status = next;
      },
      report: (error) => {
        throw error;
      },
      channel: 'presence-kit:activity:idle-test',
    });
  const [first, second] = [new EventTarget(), new EventTarget()];
  const a = tab(first);
  const b = tab(second);
  a.start();
  b.start();
  // Messages between tabs travel through the event loop.
  const deliver = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  try {
    await vi.advanceTimersByTimeAsync(50_000);
    second.dispatchEvent(new Event('keydown'));
    await deliver();
    await vi.advanceTimersByTimeAsync(2_000);
    // Within a tenth of the period: not told to the other tab, so this one goes idle 2 s after it.
    second.dispatchEvent(new Event('keydown'));
    await vi.advanceTimersByTimeAsync(58_000);
    await deliver();
    expect(sent).toEqual(['away']);
    await vi.advanceTimersByTimeAsync(2_000);
    await deliver();
    // The second tab found the status away already (the first set it) and sent nothing of its own.
    expect(sent).toEqual(['away']);
    a.stop();
    second.dispatchEvent(new Event('keydown'));
    await deliver();
    expect(sent).toEqual(['away', 'online']);
  } finally {
    a.stop();
    b.stop();
  }
});
