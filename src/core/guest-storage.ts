/** Where a browser keeps a remembered guest's tokens: strings by key, read and written asynchronously. */
export interface GuestStorage {
  /** The value kept under `key`, or null. */
  get(key: string): Promise<string | null>;
  /** Keeps `value` under `key`; null forgets it. Settles once other tabs would read the new value. */
  set(key: string, value: string | null): Promise<void>;
}

/** One request's result, as a promise. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * IndexedDB where the page has it, else localStorage, else nothing (Node, storage refused).
 *
 * IndexedDB, because tabs hand tokens to each other under a Web Lock: a tab that takes the lock must
 * read what the previous holder wrote. A committed IndexedDB transaction is seen by every transaction
 * started after it, in any tab; localStorage is not: Chromium keeps a copy of it in each renderer
 * process and updates the copies asynchronously, so a tab read the token the first tab had just
 * rotated, and exchanged it again (seen in 4 of 6 runs of the three-tab test).
 *
 * @example
 * ```ts
 * const kept = guestStorage();
 * await kept?.set('presence-kit:guest:https://presence.example.com:Ada', JSON.stringify(tokens));
 * ```
 */
export function guestStorage(): GuestStorage | null {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory) {
    let opened: Promise<IDBDatabase> | undefined;
    const run = async <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
      const database = await (opened ??= (() => {
        const open = factory.open('presence-kit');
        open.onupgradeneeded = () => open.result.createObjectStore('guests');
        return done(open);
      })());
      const transaction = database.transaction('guests', mode);
      // Settled only once committed, so a lock released after it hands the value on.
      const [result] = await Promise.all([
        done(act(transaction.objectStore('guests'))),
        new Promise((resolve, reject) => {
          transaction.oncomplete = resolve;
          transaction.onabort = () => reject(transaction.error);
        }),
      ]);
      return result;
    };
    return {
      get: async (key) => {
        const value = await run('readonly', (store) => store.get(key));
        return typeof value === 'string' ? value : null;
      },
      set: async (key, value) => void (await run('readwrite', (store): IDBRequest => (value === null ? store.delete(key) : store.put(value, key)))),
    };
  }
  try {
    const local = (globalThis as { localStorage?: Storage }).localStorage;
    return local
      ? {
          get: async (key) => local.getItem(key),
          set: async (key, value) => (value === null ? local.removeItem(key) : local.setItem(key, value)),
        }
      : null;
  } catch {
    // Reading `localStorage` itself throws where storage is blocked.
    return null;
  }
}
