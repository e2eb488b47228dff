/** An uploaded picture's bytes, as stored once for all nodes. */
export interface StoredPicture {
  bytes: Uint8Array;
  contentType: string;
  /** The upload it is: the profile's URL names it, so a stale copy is never served as the new one. */
  version: number;
}

/**
 * Where uploaded pictures live: out of the replicated state, so neither the shared log nor a snapshot
 * ever carries their bytes. On one node, this process's memory; on N nodes, Redis keys of their own
 * that any node reads. The total is capped in the same step that stores, so nodes racing each other
 * cannot pass it together.
 *
 * @example
 * ```ts
 * const pictures = createMemoryPictureStore();
 * if (!(await pictures.put('ada', { bytes, contentType: 'image/png', version: 1 }, 512 * 1024 * 1024))) refuse();
 * ```
 */
export interface PictureStore {
  /** Stores a user's picture in place of theirs unless all pictures together would pass `maxBytes`: false then. */
  put(userId: string, picture: StoredPicture, maxBytes: number): Promise<boolean>;
  get(userId: string): Promise<StoredPicture | undefined>;
  delete(userId: string): Promise<void>;
  /** Bytes of every stored picture together. */
  totalBytes(): Promise<number>;
}

/**
 * Pictures in this process's memory: the store of a single node.
 *
 * @example
 * ```ts
 * const pictures = createMemoryPictureStore();
 * ```
 */
export function createMemoryPictureStore(): PictureStore {
  const pictures = new Map<string, StoredPicture>();
  let total = 0;
  return {
    async put(userId, picture, maxBytes) {
      const next = total - (pictures.get(userId)?.bytes.byteLength ?? 0) + picture.bytes.byteLength;
      if (next > maxBytes) return false;
      pictures.set(userId, picture);
      total = next;
      return true;
    },
    get: async (userId) => pictures.get(userId),
    async delete(userId) {
      total -= pictures.get(userId)?.bytes.byteLength ?? 0;
      pictures.delete(userId);
    },
    totalBytes: async () => total,
  };
}

/** KEYS: picture hash, total. ARGV: version, type, base64 data, size, max. Replaces, unless past max (-1). */
const PUT = `
local old = tonumber(redis.call('HGET', KEYS[1], 'size') or '0')
local total = tonumber(redis.call('GET', KEYS[2]) or '0') - old + tonumber(ARGV[4])
if total > tonumber(ARGV[5]) then return -1 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'type', ARGV[2], 'data', ARGV[3], 'size', ARGV[4])
redis.call('SET', KEYS[2], total)
return total`;

/** KEYS: picture hash, total. */
const DELETE = `
local old = tonumber(redis.call('HGET', KEYS[1], 'size') or '0')
redis.call('DEL', KEYS[1])
if old > 0 then redis.call('DECRBY', KEYS[2], old) end
return old`;

/**
 * Pictures in Redis, one hash per user (`<prefix>:picture:<id>`), with their total under
 * `<prefix>:pictures:bytes`: every node serves every picture, and none holds them in its state.
 *
 * @example
 * ```ts
 * const pictures = createRedisPictureStore((args) => client.sendCommand(args), 'pk');
 * ```
 */
export function createRedisPictureStore(send: (args: string[]) => Promise<unknown>, prefix: string): PictureStore {
  const key = (userId: string) => `${prefix}:picture:${userId}`;
  const totalKey = `${prefix}:pictures:bytes`;
  return {
    async put(userId, picture, maxBytes) {
      const data = Buffer.from(picture.bytes).toString('base64');
      const args = [String(picture.version), picture.contentType, data, String(picture.bytes.byteLength), String(maxBytes)];
      return Number(await send(['EVAL', PUT, '2', key(userId), totalKey, ...args])) >= 0;
    },
    async get(userId) {
      const [version, contentType, data] = (await send(['HMGET', key(userId), 'v', 'type', 'data'])) as Array<string | null>;
      if (version == null || contentType == null || data == null) return undefined;
      return { bytes: new Uint8Array(Buffer.from(data, 'base64')), contentType, version: Number(version) };
    },
    async delete(userId) {
      await send(['EVAL', DELETE, '2', key(userId), totalKey]);
    },
    totalBytes: async () => Number((await send(['GET', totalKey])) ?? 0),
  };
}
