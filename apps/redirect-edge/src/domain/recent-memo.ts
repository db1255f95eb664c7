/**
 * A bounded memo for the redirect's hot path: the entries used lately, at most `maxEntries`, in two plain Maps.
 * New entries go into the young generation; once it holds half the bound, it becomes the old one and the old one is
 * dropped. An entry read from the old generation moves back into the young one, so whatever keeps being asked
 * for stays. Not an exact LRU (an entry may go a little before the least recently used one would), but a hit is one
 * or two Map lookups and a miss no eviction work: an LRU's per-entry bookkeeping cost more than the values it
 * saved when most lookups are new keys (every click a new visitor).
 */
export interface RecentMemo<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  clear(): void;
  /** Entries held, both generations. */
  readonly size: number;
}

export function createRecentMemo<K, V>(maxEntries: number): RecentMemo<K, V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 2) throw new Error('a memo holds at least 2 entries');
  const generation = Math.floor(maxEntries / 2);
  let young = new Map<K, V>();
  let old = new Map<K, V>();

  function set(key: K, value: V): void {
    // Full: a new generation, even when `key` is young already (asking would cost a lookup on every set). Its
    // older value, now in the old generation, is never read: the young one is found first, and both go before it.
    if (young.size >= generation) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }

  return {
    get(key) {
      const value = young.get(key);
      if (value !== undefined) return value;
      const aged = old.get(key);
      if (aged !== undefined) {
        old.delete(key);
        set(key, aged);
      }
      return aged;
    },
    set,
    clear() {
      young = new Map();
      old = new Map();
    },
    get size() {
      return young.size + old.size;
    },
  };
}
