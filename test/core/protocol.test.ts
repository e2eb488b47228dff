import { describe, expect, test } from 'vitest';
import { cleanText, isSafeUrl, parseClientMessage, parseServerMessage, checkJson, PresencePatchSchema, parseWith } from '../../src/core/protocol/index.ts';

describe('protocol schemas', () => {
  test('client frames: valid ones parse, anything else gets a reason', () => {
    expect(parseClientMessage('{"type":"subscribe","users":["ada"],"online":true,"from":12}')).toMatchObject({ ok: true });
    expect(parseClientMessage('{"type":"nope"}')).toMatchObject({ ok: false });
    expect(parseClientMessage('{')).toEqual({ ok: false, reason: 'frame is not valid JSON' });
    expect(parseClientMessage(new Uint8Array([1]))).toEqual({ ok: false, reason: 'frames must be JSON text, not binary' });
    const tooMany = parseClientMessage(JSON.stringify({ type: 'subscribe', users: Array.from({ length: 501 }, (_, i) => `u${i}`) }));
    expect(tooMany).toMatchObject({ ok: false, reason: expect.stringContaining('users') });
    const badStatus = parseClientMessage('{"type":"set-presence","patch":{"status":"offline"}}');
    expect(badStatus).toMatchObject({ ok: false, reason: expect.stringContaining('patch.status') });
  });

  test('server frames are validated on the client too', () => {
    expect(parseServerMessage('{"type":"pong","t":1}')).toEqual({ ok: true, value: { type: 'pong', t: 1 } });
    expect(parseServerMessage('{"type":"presence","seq":-1,"userId":"a","presence":null}')).toMatchObject({ ok: false });
  });

  test('custom JSON: size, depth and prototype keys are checked', () => {
    expect(checkJson({ a: [1, 'x', null, true] }, 100, 8)).toBeTypeOf('number');
    expect(checkJson(JSON.parse('{"__proto__":{"x":1}}'), 100, 8)).toContain('__proto__');
    expect(checkJson({ a: { b: { c: 1 } } }, 100, 2)).toContain('deeper');
    expect(checkJson({ a: 'x'.repeat(200) }, 100, 8)).toContain('bytes');
    expect(checkJson({ a: Number.NaN }, 100, 8)).toContain('non-finite');
    expect(parseWith(PresencePatchSchema, { custom: { mood: 'ok' } })).toMatchObject({ ok: true });
  });

  test('display text is cleaned of bidi overrides and controls, trimmed, and cut by code points', () => {
    expect(cleanText('  a\u202eb\u0000c \n d ', 280)).toBe('abc d');
    expect(cleanText('😀😀😀', 2)).toBe('😀😀');
    expect(parseWith(PresencePatchSchema, { statusMessage: '   ' })).toEqual({ ok: true, value: { statusMessage: null } });
  });

  test('only absolute http(s) URLs are safe', () => {
    expect(isSafeUrl('https://example.com/a.png')).toBe(true);
    expect(isSafeUrl('http://example.com/a.png')).toBe(true);
    expect(isSafeUrl('http://example.com/a.png', true)).toBe(false);
    for (const url of ['javascript:alert(1)', 'data:text/html,<b>', 'JaVaScRiPt:alert(1)', '//evil.example/x', 'file:///etc/passwd', 'vbscript:x']) {
      expect(isSafeUrl(url)).toBe(false);
    }
  });
});
