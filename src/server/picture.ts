/** The largest width or height of an uploaded picture: 4096 px (at most 64 MiB decoded as RGBA). */
export const MAX_PICTURE_SIDE = 4096;

/** A picture ready to store, or why it was refused. */
export type PictureVerdict = { ok: true; bytes: Uint8Array; width: number; height: number } | { ok: false; reason: string };

/**
 * Reads an uploaded picture's structure (never its pixels): checks that it is whole and well-formed,
 * that its declared size is within {@link MAX_PICTURE_SIDE} on each side, and returns it without the
 * metadata a camera or editor leaves (EXIF with GPS position, XMP, comments, text chunks, timestamps).
 * Pixel data is copied as it is, not re-encoded: no image codec runs on the server.
 *
 * @example
 * ```ts
 * const verdict = inspectPicture(bytes, 'image/jpeg');
 * if (!verdict.ok) throw new HttpError('invalid-input', verdict.reason);
 * ```
 */
export function inspectPicture(input: Uint8Array, type: string): PictureVerdict {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  try {
    const result =
      type === 'image/png' ? png(bytes) : type === 'image/jpeg' ? jpeg(bytes) : type === 'image/gif' ? gif(bytes) : type === 'image/webp' ? webp(bytes) : null;
    if (result === null) return { ok: false, reason: `${type} is not a picture type this server takes` };
    if (typeof result === 'string') return { ok: false, reason: result };
    const { width, height } = result;
    if (width < 1 || height < 1) return { ok: false, reason: 'the picture has no pixels' };
    if (width > MAX_PICTURE_SIDE || height > MAX_PICTURE_SIDE) {
      return { ok: false, reason: `the picture is ${width} × ${height} px; at most ${MAX_PICTURE_SIDE} × ${MAX_PICTURE_SIDE}` };
    }
    return { ok: true, bytes: new Uint8Array(result.bytes), width, height };
  } catch {
    // A read past the end (a truncated or lying length field): malformed, whatever the field.
    return { ok: false, reason: `the body is not a whole ${type} picture` };
  }
}

type Parsed = { bytes: Buffer; width: number; height: number } | string;

// PNG: chunks of length, type, data, CRC. Only what draws the picture is kept.
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_KEEP = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'acTL', 'fcTL', 'fdAT']);

function png(bytes: Buffer): Parsed {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'the body is not a PNG picture';
  const kept: Buffer[] = [PNG_SIGNATURE];
  let width = 0;
  let height = 0;
  let offset = 8;
  for (let index = 0; ; index++) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > bytes.length) return 'the PNG picture is truncated';
    if (index === 0) {
      if (type !== 'IHDR') return 'the PNG picture does not start with its header';
      width = bytes.readUInt32BE(offset + 8);
      height = bytes.readUInt32BE(offset + 12);
    }
    if (PNG_KEEP.has(type)) kept.push(bytes.subarray(offset, end));
    offset = end;
    if (type === 'IEND') break;
    if (offset >= bytes.length) return 'the PNG picture has no end';
  }
  return { bytes: Buffer.concat(kept), width, height };
}

// JPEG: segments until the scan; APP0 (JFIF) and APP14 (Adobe colour transform) are needed to draw it,
// the other APPn (EXIF, XMP, maker notes) and comments are not.
function jpeg(bytes: Buffer): Parsed {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return 'the body is not a JPEG picture';
  const kept: Buffer[] = [bytes.subarray(0, 2)];
  let width = 0;
  let height = 0;
  let offset = 2;
  for (;;) {
    if (bytes[offset] !== 0xff) return 'the JPEG picture is malformed';
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0xd9) return 'the JPEG picture has no image data';
    const length = bytes.readUInt16BE(offset + 2);
    const end = offset + 2 + length;
    if (length < 2 || end > bytes.length) return 'the JPEG picture is truncated';
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      height = bytes.readUInt16BE(offset + 5);
      width = bytes.readUInt16BE(offset + 7);
    }
    const dropped = (marker >= 0xe1 && marker <= 0xef && marker !== 0xee) || marker === 0xfe;
    if (!dropped) kept.push(bytes.subarray(offset, end));
    if (marker === 0xda) {
      // The scan and everything after it: entropy-coded data, copied as it is.
      kept.push(bytes.subarray(end));
      break;
    }
    offset = end;
  }
  if (width === 0) return 'the JPEG picture has no frame header';
  return { bytes: Buffer.concat(kept), width, height };
}

// GIF: the logical screen gives the size; comment and application extensions go, except the loop count
// of an animation (NETSCAPE2.0 / ANIMEXTS1.0).
function gif(bytes: Buffer): Parsed {
  const version = bytes.toString('latin1', 0, 6);
  if (version !== 'GIF87a' && version !== 'GIF89a') return 'the body is not a GIF picture';
  const width = bytes.readUInt16LE(6);
  const height = bytes.readUInt16LE(8);
  const flags = bytes[10]!;
  let offset = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  const kept: Buffer[] = [bytes.subarray(0, offset)];
  const subBlocksEnd = (from: number) => {
    let at = from;
    while (bytes[at] !== 0) {
      if (at >= bytes.length) throw new RangeError('truncated');
      at += bytes[at]! + 1;
    }
    return at + 1;
  };
  for (;;) {
    const introducer = bytes[offset];
    if (introducer === 0x3b) {
      kept.push(bytes.subarray(offset, offset + 1));
      break;
    }
    if (introducer === 0x21) {
      const label = bytes[offset + 1];
      const end = subBlocksEnd(offset + 2);
      const application = label === 0xff ? bytes.toString('latin1', offset + 3, offset + 14) : '';
      const keep = label === 0xf9 || label === 0x01 || application === 'NETSCAPE2.0' || application === 'ANIMEXTS1.0';
      if (keep) kept.push(bytes.subarray(offset, end));
      offset = end;
    } else if (introducer === 0x2c) {
      const local = bytes[offset + 9]!;
      const dataAt = offset + 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0) + 1;
      const end = subBlocksEnd(dataAt);
      kept.push(bytes.subarray(offset, end));
      offset = end;
    } else {
      return 'the GIF picture is malformed';
    }
    if (offset > bytes.length) return 'the GIF picture is truncated';
  }
  return { bytes: Buffer.concat(kept), width, height };
}

// WebP: RIFF chunks; EXIF and XMP go, and the extended header stops announcing them.
function webp(bytes: Buffer): Parsed {
  if (bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WEBP') return 'the body is not a WebP picture';
  const riffEnd = Math.min(bytes.length, 8 + bytes.readUInt32LE(4));
  const kept: Buffer[] = [];
  let width = 0;
  let height = 0;
  let offset = 12;
  while (offset + 8 <= riffEnd) {
    const type = bytes.toString('latin1', offset, offset + 4);
    const length = bytes.readUInt32LE(offset + 4);
    const end = offset + 8 + length + (length & 1);
    if (offset + 8 + length > riffEnd) return 'the WebP picture is truncated';
    const data = offset + 8;
    let chunk = bytes.subarray(offset, Math.min(end, riffEnd));
    if (type === 'VP8X') {
      chunk = Buffer.from(chunk);
      // Bits 3 (EXIF) and 2 (XMP) of the flags: they are no longer there.
      chunk[8] = chunk[8]! & ~0x0c;
      width = 1 + bytes.readUIntLE(data + 4, 3);
      height = 1 + bytes.readUIntLE(data + 7, 3);
    } else if (type === 'VP8 ' && width === 0) {
      width = bytes.readUInt16LE(data + 6) & 0x3fff;
      height = bytes.readUInt16LE(data + 8) & 0x3fff;
    } else if (type === 'VP8L' && width === 0) {
      const bits = bytes.readUInt32LE(data + 1);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
    }
    if (type !== 'EXIF' && type !== 'XMP ') kept.push(chunk);
    offset = end;
  }
  if (width === 0) return 'the WebP picture has no image data';
  const body = Buffer.concat(kept);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return { bytes: Buffer.concat([header, body]), width, height };
}
