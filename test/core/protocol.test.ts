import { describe, expect, test } from 'vitest';
import {
  cleanText,
  isSafeUrl,
  parseClientMessage,
  parseServerMessage,
  checkJson,
  PresencePatchSchema,
  parseWith,
  UpdateMeInputSchema,
} from '../../src/core/protocol/index.ts';

describe('protocol schemas', () => {
  test('client frames: valid ones parse, anything else gets a reason', () => {
    expect(parseClientMessage('{"type":"subscribe","users":["ada"],"online":true,"from":12}')).toMatchObject({ ok: true });
    expect(parseClientMessage('{"type":"nope"}')).toMatchObject({ ok: false, code: 'bad-message' });
    expect(parseClientMessage('{')).toEqual({ ok: false, code: 'bad-message', reason: 'frame is not valid JSON' });
    expect(parseClientMessage(new Uint8Array([1]))).toEqual({ ok: false, code: 'bad-message', reason: 'frames must be JSON text, not binary' });
    expect(parseClientMessage('{"type":"ping","x":[{"constructor":1}]}')).toMatchObject({
      ok: false,
      code: 'bad-message',
      reason: expect.stringContaining('constructor'),
    });
    const tooMany = parseClientMessage(JSON.stringify({ type: 'subscribe', users: Array.from({ length: 501 }, (_, i) => `u${i}`) }));
    expect(tooMany).toMatchObject({ ok: false, reason: expect.stringContaining('users') });
    const badStatus = parseClientMessage('{"type":"set-presence","patch":{"status":"offline"}}');
    expect(badStatus).toMatchObject({ ok: false, code: 'invalid-input', reason: expect.stringContaining('patch.status') });
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

  test('display text loses zero-width, tag, filler and invisible characters and lone surrogates; names empty after that are refused', () => {
    expect(cleanText('A\u200bd\u2060a\ufeff \u3164L\u{e0041}\ud800ovelace\u00ad', 100)).toBe('Ada Lovelace');
    // A zero-width joiner stays inside an emoji sequence, where it means something.
    expect(cleanText('\u{1F469}\u200d\u{1F4BB} dev', 100)).toBe('\u{1F469}\u200d\u{1F4BB} dev');
    expect(cleanText('x\u200dy', 100)).toBe('xy');
    for (const name of ['\u200b\u200c\u200d', '\u3164\u115f', '\u{e0020}\u{e0041}', '\udc00', '\u2800', '\u2800 \u2800']) {
      expect(parseWith(UpdateMeInputSchema, { displayName: name })).toMatchObject({ ok: false, reason: expect.stringContaining('displayName') });
    }
  });

  test('URLs are normalized and refused with credentials', () => {
    expect(parseWith(UpdateMeInputSchema, { avatarUrl: 'HTTPS://Example.COM/a/../b.png' })).toEqual({
      ok: true,
      value: { avatarUrl: 'https://example.com/b.png' },
    });
    for (const url of ['https://user:pw@example.com/a.png', 'https://user@example.com/', 'ftp://example.com/a.png', 'javascript:alert(1)']) {
      expect(parseWith(UpdateMeInputSchema, { avatarUrl: url })).toMatchObject({ ok: false });
    }
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
