import type { ChildProcess } from 'node:child_process';

/** Sends `message` (by default `{ type }`) to a benchmark's child process and resolves with its answer of `type`. */
export function ask<T>(child: ChildProcess, type: string, message: object = { type }): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
    child.send(message);
  });
}
