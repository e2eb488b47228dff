import fc from 'fast-check';
import { expect, test } from 'vitest';
import { jsonLines, parseJsonLines } from '../../src/server/json-lines.ts';

async function write(value: unknown, chunkChars?: number, sliceMs?: number): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of jsonLines(value, chunkChars, sliceMs)) chunks.push(chunk);
  return chunks;
}

test('what is written reads back as JSON.parse(JSON.stringify(value)), arrays, undefined and nesting included', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.anything({
        maxDepth: 6,
        withBoxedValues: false,
        withMap: false,
        withSet: false,
        withTypedArray: false,
        withSparseArray: false,
        withNullPrototype: true,
      }),
      async (value) => {
        let expected: string;
        try {
          expected = JSON.stringify({ id: '1-0', state: value }) ?? 'null';
        } catch {
          return; // BigInt and the like: no JSON at all.
        }
        const chunks = await write({ id: '1-0', state: value }, 16);
        expect(await parseJsonLines(chunks)).toEqual(JSON.parse(expected));
        // Cut anywhere, lines spanning pieces: the same.
        const text = chunks.join('');
        const cut = Math.floor(text.length / 3);
        expect(await parseJsonLines([text.slice(0, cut), text.slice(cut, 2 * cut), text.slice(2 * cut)])).toEqual(JSON.parse(expected));
      },
    ),
    // The case a random run found once: a key `__proto__` (a room may be named so) was dropped.
    { numRuns: 500, examples: [[{ ['__proto__']: false }], [JSON.parse('{"__proto__":{"a":[1,2]},"b":{"__proto__":[3]}}')]] },
  );
});

test('the first line alone says what the text is: a refused version costs one line', async () => {
  const text = (await write({ id: '5-0', format: 3, state: { users: [1, 2, 3] } })).join('');
  expect(text.split('\n')).toEqual(['{"id":"5-0","format":3,"state":{"users":{"$lines":3}}}', '1', '2', '3', '']);
  const refused = new Error('wrong format');
  await expect(
    parseJsonLines([text], 5, () => {
      throw refused;
    }),
  ).rejects.toBe(refused);
  await expect(parseJsonLines([text.slice(0, -4)])).rejects.toThrow('ends before its last line');
});

test('a large state is written and read in many pieces, with the event loop running meanwhile', async () => {
  const state = { store: { users: Array.from({ length: 300 }, (_, i) => ({ id: `u${i}`, name: 'x'.repeat(40) })) } };
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  // A slice of 0 ms gives the loop back after every line.
  const chunks = await write(state, 1024, 0);
  const writing = ticks;
  const read = await parseJsonLines(chunks, 0);
  clearInterval(timer);
  expect(chunks.length).toBeGreaterThan(10);
  expect(read).toEqual(state);
  expect(writing).toBeGreaterThan(0);
  expect(ticks).toBeGreaterThan(writing);
});
