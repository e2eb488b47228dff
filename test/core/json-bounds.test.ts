import fc from 'fast-check';
import { expect, test } from 'vitest';
import { hasForbiddenKey, nestsDeeperThan } from '../../src/core/protocol/json.ts';
import { parseClientMessage } from '../../src/core/protocol/index.ts';

test('nestsDeeperThan agrees with the depth of the parsed value, strings and escapes included', () => {
  const depthOf = (value: unknown): number =>
    typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, limit) => {
      const text = JSON.stringify(value);
      expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
    }),
    { numRuns: 500 },
  );
  expect(nestsDeeperThan('{"a":"[[[[\\"{{{{"}', 1)).toBe(false);
});

test('no depth of input exhausts the stack: a million levels are refused by the text scan and the bounded walk', () => {
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  expect(nestsDeeperThan(deep, 16)).toBe(true);
  let value: unknown = 1;
  for (let i = 0; i < 1_000_000; i++) value = i % 2 ? [value] : { k: value };
  expect(hasForbiddenKey(value, 64)).toBe('(too deep)');
  expect(hasForbiddenKey({ a: [{ b: { __proto__: null, constructor: 1 } }] })).toBe('constructor');
});

test('a client frame nested past the limit is refused before parsing, naming the limit', () => {
  const frame = `{"type":"ping","t":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
  const parsed = parseClientMessage(frame);
  expect(parsed).toMatchObject({ ok: false, code: 'bad-message', reason: 'a frame may nest at most 16 levels' });
  // The deepest legal frame: a custom value of 8 levels inside a patch.
  const custom = '{"a":'.repeat(7) + '1' + '}'.repeat(7);
  expect(parseClientMessage(`{"type":"set-presence","rid":1,"patch":{"custom":${custom}}}`).ok).toBe(true);
});
