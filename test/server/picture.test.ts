import fc from 'fast-check';
import { expect, test } from 'vitest';
import { inspectPicture } from '../../src/server/picture.ts';
import { makeJpeg, makePng } from '../helpers.ts';

const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
const SAMPLES: Array<[string, Uint8Array]> = [
  ['image/png', makePng({ chunks: [['tEXt', 'a\0b']] })],
  ['image/jpeg', makeJpeg()],
  ['image/gif', Buffer.concat([GIF.subarray(0, -1), Buffer.from([0x21, 0xfe, 3, 0x61, 0x62, 0x63, 0]), GIF.subarray(-1)])],
  ['image/webp', WEBP],
];

test('each kind of picture is read for its size and loses its metadata; what draws it stays', () => {
  for (const [type, bytes] of SAMPLES) {
    const verdict = inspectPicture(bytes, type);
    expect(verdict, type).toMatchObject({ ok: true, width: 1, height: 1 });
    if (verdict.ok) expect(verdict.bytes.byteLength, type).toBeLessThanOrEqual(bytes.byteLength);
  }
  const gif = inspectPicture(SAMPLES[2]![1], 'image/gif');
  expect(gif.ok && Buffer.from(gif.bytes).equals(GIF)).toBe(true);
  expect(inspectPicture(WEBP, 'image/webp')).toMatchObject({ ok: true, bytes: new Uint8Array(WEBP) });
});

test('no byte string throws: mutated, truncated and extended pictures of every kind get a verdict', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: SAMPLES.length - 1 }),
      fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 64 }),
      (which, flips, cut, tail) => {
        const [type, sample] = SAMPLES[which]!;
        const bytes = Buffer.from(sample);
        for (const { at, value } of flips) bytes[at % bytes.length] = value;
        const input = Buffer.concat([bytes.subarray(0, cut % (bytes.length + 1)), tail]);
        const verdict = inspectPicture(input, type);
        expect(typeof verdict.ok).toBe('boolean');
        if (verdict.ok) {
          expect(verdict.width).toBeLessThanOrEqual(4096);
          expect(verdict.height).toBeLessThanOrEqual(4096);
        }
      },
    ),
    { numRuns: 3_000 },
  );
});
