/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

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
 * The first key anywhere in a parsed JSON value that could reach a prototype (`__proto__`, `constructor`,
 * `prototype`), or undefined. Depth is bounded by the frame size limit, so recursion is safe.
 *
 * @example
 * ```ts
 * hasForbiddenKey(JSON.parse('{"__proto__":{}}')); // '__proto__'
 * ```
 */
export function hasForbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const key = hasForbiddenKey(item);
      if (key) return key;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const inner = hasForbiddenKey((value as Record<string, unknown>)[key]);
    if (inner) return inner;
  }
  return undefined;
}

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
