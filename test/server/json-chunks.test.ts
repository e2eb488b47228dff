import fc from 'fast-check';
import { expect, test } from 'vitest';
import { jsonChunks } from '../../src/server/json-chunks.ts';

async function write(value: unknown, chunkChars?: number, sliceMs?: number): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of jsonChunks(value, chunkChars, sliceMs)) chunks.push(chunk);
  return chunks;
}

test('the pieces join to exactly what JSON.stringify writes, undefined and nested values included', async () => {
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
          expected = JSON.stringify({ state: value }) ?? 'null';
        } catch {
          return; // BigInt and the like: no JSON at all.
        }
        expect((await write({ state: value }, 16)).join('')).toBe(expected);
      },
    ),
    { numRuns: 500 },
  );
});

test('a large state is written in many pieces, with the event loop running between them', async () => {
  const state = { store: { users: Array.from({ length: 300 }, (_, i) => ({ id: `u${i}`, name: 'x'.repeat(40) })) } };
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  // A slice of 0 ms gives the loop back after every piece.
  const chunks = await write(state, 1024, 0);
  clearInterval(timer);
  expect(chunks.length).toBeGreaterThan(10);
  expect(chunks.join('')).toBe(JSON.stringify(state));
  expect(ticks).toBeGreaterThan(0);
});
