import { setTimeout as pause } from 'node:timers/promises';

/** Arrays this deep in the value are written element by element; anything deeper is stringified whole. */
const STREAMED_DEPTH = 4;

/**
 * Writes a large value of the server's own state (a snapshot) as JSON text in pieces of about
 * `chunkChars`, giving the event loop back for as long again whenever `sliceMs` have passed: a 100 MB
 * snapshot never stops the node from answering for more than a slice, and takes at most half of its time
 * while it is written. The text is what `JSON.stringify` would write.
 *
 * @example
 * ```ts
 * for await (const chunk of jsonChunks(state)) await redis.sendCommand(['APPEND', key, chunk]);
 * ```
 */
export async function* jsonChunks(value: unknown, chunkChars = 256 * 1024, sliceMs = 5): AsyncGenerator<string> {
  let buffer: string[] = [];
  let size = 0;
  let sliceStart = performance.now();
  for (const piece of pieces(value, 0)) {
    buffer.push(piece);
    size += piece.length;
    if (size >= chunkChars) {
      yield buffer.join('');
      buffer = [];
      size = 0;
    }
    if (performance.now() - sliceStart >= sliceMs) {
      await pause(sliceMs);
      sliceStart = performance.now();
    }
  }
  if (size > 0) yield buffer.join('');
}

// Recursive only to STREAMED_DEPTH over the server's own data (never client input).
function* pieces(value: unknown, depth: number): Generator<string> {
  if (depth >= STREAMED_DEPTH || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    yield JSON.stringify(value) ?? 'null';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      const item = value[i] as unknown;
      // As JSON.stringify does: what has no JSON form is null in an array.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') yield 'null';
      else yield* pieces(item, depth + 1);
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    // ...and is left out of an object.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    yield* pieces(item, depth + 1);
  }
  yield '}';
}
