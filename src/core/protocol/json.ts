/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A frame's text parsed as JSON, or why it is no JSON text: the first step of reading a frame, on both sides.
 *
 * @example
 * ```ts
 * const read = readJsonText(event.data);
 * if (read.ok) handle(read.value);
 * ```
 */
export function readJsonText(raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof raw !== 'string') return { ok: false, reason: 'frames must be JSON text, not binary' };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
}

/** Keys that would reach an object's prototype if copied with assignment. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks that `value` is plain JSON within a byte budget and nesting depth, with no keys that could
 * pollute a prototype when merged. Returns the serialized size, or a reason string when refused.
 *
 * @example
 * ```ts
 * const verdict = checkJson({ mood: 'focused' }, 2048, 8); // number of bytes
 * ```
 */
export function checkJson(value: unknown, maxBytes: number, maxDepth: number): number | string {
  const problem = findJsonProblem(value, maxDepth, 0);
  if (problem) return problem;
  const bytes = utf8Length(JSON.stringify(value));
  return bytes > maxBytes ? `is ${bytes} bytes, more than ${maxBytes}` : bytes;
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found by one pass over the text
 * before anything parses it: a frame's depth is refused at the cost of reading its bytes once, and no
 * later walk over the parsed value ever meets more than `maxDepth` levels.
 *
 * @example
 * ```ts
 * nestsDeeperThan('[[[1]]]', 2); // true
 * ```
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character, whatever it is: skip it.
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

/**
 * The first key anywhere in a parsed JSON value that could reach a prototype (`__proto__`, `constructor`,
 * `prototype`), or `'(too deep)'` past `maxDepth` levels. It walks with its own stack, never recursing,
 * so no input can exhaust the call stack whatever its depth.
 *
 * @example
 * ```ts
 * hasForbiddenKey(JSON.parse('{"__proto__":{}}')); // '__proto__'
 * ```
 */
export function hasForbiddenKey(value: unknown, maxDepth = 64): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= maxDepth) return '(too deep)';
    if (Array.isArray(item)) {
      for (const inner of item) if (typeof inner === 'object' && inner !== null) stack.push([inner, depth + 1]);
      continue;
    }
    for (const key of Object.keys(item)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      const inner = (item as Record<string, unknown>)[key];
      if (typeof inner === 'object' && inner !== null) stack.push([inner, depth + 1]);
    }
  }
  return undefined;
}

// Recursive, but only to `maxDepth`: the depth is checked before each step down.
function findJsonProblem(value: unknown, maxDepth: number, depth: number): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'holds a non-finite number';
  if (depth >= maxDepth) return `is nested deeper than ${maxDepth}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = findJsonProblem(item, maxDepth, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return 'is not a plain object';
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `has the forbidden key "${key}"`;
      const problem = findJsonProblem((value as Record<string, unknown>)[key], maxDepth, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `holds a ${typeof value}, which is not JSON`;
}

/**
 * Bytes of a string once encoded as UTF-8, without allocating the encoding.
 *
 * @example
 * ```ts
 * utf8Length('é'); // 2
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
