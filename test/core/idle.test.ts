import { afterEach, expect, test, vi } from 'vitest';
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
