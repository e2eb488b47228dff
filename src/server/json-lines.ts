import { setTimeout as pause } from 'node:timers/promises';

/** Objects this deep are walked for arrays to split; arrays' elements are written whole, one a line. */
const SPLIT_DEPTH = 4;
/** Stands for a split array in the first line: `{"$lines": n}`, its n elements on the lines after. */
const LINES = '$lines';

/**
 * Writes a large value of the server's own state (a snapshot) as text that is both written and read a
 * piece at a time: a first line with the value's shape, where every array down to a few levels is
 * replaced by a count, then the arrays' elements, one JSON value a line. The writer hands back pieces of
 * about `chunkChars` and gives the event loop back for as long again whenever `sliceMs` have passed, so
 * a 100 MB snapshot never stops the node for more than a slice. {@link parseJsonLines} reads it back.
 *
 * @example
 * ```ts
 * const chunks: string[] = [];
 * for await (const chunk of jsonLines(state)) chunks.push(chunk);
 * const again = await parseJsonLines(chunks);
 * ```
 */
export async function* jsonLines(value: unknown, chunkChars = 256 * 1024, sliceMs = 5): AsyncGenerator<string> {
  const arrays: unknown[][] = [];
  let buffer: string[] = [`${JSON.stringify(shape(value, 0, arrays)) ?? 'null'}\n`];
  let size = buffer[0]!.length;
  let sliceStart = performance.now();
  for (const array of arrays) {
    for (const item of array) {
      // As JSON.stringify does in an array: what has no JSON form is null.
      const line = `${JSON.stringify(item) ?? 'null'}\n`;
      buffer.push(line);
      size += line.length;
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
  }
  if (size > 0) yield buffer.join('');
}

/**
 * Reads what {@link jsonLines} wrote, from its pieces in order (a line may span two), a line at a time,
 * giving the event loop back for as long again whenever `sliceMs` have passed. `first` sees the first
 * line's value (with counts for the arrays) before the rest is read: a version check refuses a whole
 * snapshot for the price of its first line.
 *
 * @example
 * ```ts
 * const state = await parseJsonLines(chunksFromRedis(), 5, (head) => assertFormat(head));
 * ```
 */
export async function parseJsonLines(
  chunks: AsyncIterable<string> | Iterable<string>,
  sliceMs = 5,
  first: (head: unknown) => void = () => {},
): Promise<unknown> {
  const lines = linesOf(chunks);
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error('snapshot text ends before its last line');
    return line.value;
  };
  const root = JSON.parse(await next()) as unknown;
  first(root);
  let sliceStart = performance.now();
  const fill = async (count: number): Promise<unknown[]> => {
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) {
      items.push(JSON.parse(await next()));
      if (performance.now() - sliceStart >= sliceMs) {
        await pause(sliceMs);
        sliceStart = performance.now();
      }
    }
    return items;
  };
  return rebuild(root, 0, fill);
}

async function* linesOf(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let carried = '';
  for await (const chunk of chunks) {
    let from = 0;
    for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', from)) {
      yield carried + chunk.slice(from, at);
      carried = '';
      from = at + 1;
    }
    carried += chunk.slice(from);
  }
  if (carried !== '') yield carried;
}

// Recursive only to SPLIT_DEPTH over the server's own data (never client input).
function shape(value: unknown, depth: number, arrays: unknown[][]): unknown {
  if (Array.isArray(value)) {
    arrays.push(value);
    return { [LINES]: value.length };
  }
  if (depth >= SPLIT_DEPTH || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  // fromEntries defines own properties: a key `__proto__` (a room's id can be that) stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item, depth + 1, arrays)]));
}

// Walks the first line in the order `shape` found the arrays (the order JSON keeps keys in).
async function rebuild(value: unknown, depth: number, fill: (count: number) => Promise<unknown[]>): Promise<unknown> {
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const count = record[LINES];
  if (typeof count === 'number' && Object.keys(record).length === 1) return fill(count);
  if (depth >= SPLIT_DEPTH) return value;
  for (const key of Object.keys(record)) record[key] = await rebuild(record[key], depth + 1, fill);
  return record;
}
