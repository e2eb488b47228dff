import { expect, test } from 'vitest';
import type { LogCommand, LogEntry, PresenceLog } from '../../src/server/presence-log.ts';

/** Makes a log (a node); `peers` more share it when the backend allows several nodes. */
export interface LogFactory {
  /** Logs made with the same `group` share one order (when the backend allows several nodes). */
  make(group: string): Promise<PresenceLog>;
  /** How many logs may share one order (1 for the in-memory log). */
  nodes: number;
  /** True when the log numbers entries itself (N nodes); false when the node does (seq 0). */
  numbers: boolean;
}

const command = (i: number): LogCommand => ({ type: 'set-presence', userId: `u${i % 7}`, patch: { statusMessage: `m${i}` } });

/**
 * The behaviour every presence log gives the hub, run against each backend.
 *
 * @example
 * ```ts
 * describeLogContract({ make: async () => createMemoryLog(Date.now), nodes: 1, numbers: false });
 * ```
 */
export function describeLogContract(factory: LogFactory): void {
  test('applies every entry once, in append order, then calls back the appender', async () => {
    const log = await factory.make('once');
    const seen: Array<{ entry: LogEntry; at: 'apply' | 'applied'; i?: number }> = [];
    log.start((entry) => seen.push({ entry, at: 'apply' }));
    const done: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      done.push(new Promise((resolve) => log.append(command(i), () => (seen.push({ entry: seen.at(-1)!.entry, at: 'applied', i }), resolve()))));
    }
    await Promise.all(done);
    const applied = seen.filter((item) => item.at === 'apply').map((item) => item.entry);
    expect(applied.map((entry) => (entry.command as { patch: { statusMessage: string } }).patch.statusMessage)).toEqual(
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    // Each callback follows its own entry's application.
    for (const [index, item] of seen.entries()) {
      if (item.at !== 'applied') continue;
      const entry = seen
        .slice(0, index)
        .filter((other) => other.at === 'apply')
        .map((other) => other.entry)
        .find((e) => (e.command as { patch: { statusMessage: string } }).patch.statusMessage === `m${item.i}`);
      expect(entry).toBeDefined();
    }
    const seqs = applied.map((entry) => entry.seq);
    if (factory.numbers) for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThanOrEqual(seqs[i - 1]! + 2);
    else expect(new Set(seqs)).toEqual(new Set([0]));
    expect(applied.every((entry) => Math.abs(entry.at - Date.now()) < 60_000)).toBe(true);
    log.close();
  });

  test('every node sharing the log applies the same entries in the same order', async () => {
    const logs = await Promise.all(Array.from({ length: factory.nodes }, () => factory.make('shared')));
    const orders = logs.map(() => [] as string[]);
    logs.forEach((log, n) =>
      log.start((entry) => orders[n]!.push(`${entry.seq}:${(entry.command as { patch: { statusMessage: string } }).patch.statusMessage}`)),
    );
    await Promise.all(Array.from({ length: 60 }, (_, i) => new Promise<void>((resolve) => logs[i % logs.length]!.append(command(i), resolve))));
    await Promise.all(logs.map((log) => log.sync()));
    for (const order of orders) expect(order).toEqual(orders[0]);
    expect(orders[0]).toHaveLength(60);
    for (const log of logs) log.close();
  });

  test('sync resolves once everything appended before it is applied here; a closed log refuses without throwing', async () => {
    const log = await factory.make('sync');
    let count = 0;
    log.start(() => count++);
    for (let i = 0; i < 20; i++) log.append(command(i));
    await log.sync();
    expect(count).toBe(20);
    log.close();
    const refused = await new Promise<Error>((resolve) => log.append(command(99), () => {}, resolve));
    expect(refused.message).toMatch(/closed/);
    expect(() => log.append(command(100))).not.toThrow();
  });
}
