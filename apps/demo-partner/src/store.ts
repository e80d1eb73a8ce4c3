import type { CctvPerson, Member } from "./types";

export type StoreChange<T> = { type: "upserted"; record: T; previous: T | undefined } | { type: "removed"; record: T };

export interface Page<T> {
  items: T[];
  /** Key of the last item, for the next cursor; undefined when the page is empty. */
  lastKey: string | undefined;
  hasMore: boolean;
}

/**
 * In-memory people list, ordered by id. Paging is keyset-based (items after a given id), so
 * adding or removing people between pages never skips or repeats anyone else.
 * Records are copied in and out so callers cannot change stored data without going through upsert.
 */
export class RecordStore<T> {
  readonly #keyOf: (record: T) => string;
  readonly #records = new Map<string, T>();
  readonly #listeners = new Set<(change: StoreChange<T>) => void>();
  #sortedKeys: string[] | undefined;

  constructor(keyOf: (record: T) => string, initial: Iterable<T> = []) {
    this.#keyOf = keyOf;
    for (const record of initial) this.#records.set(keyOf(record), structuredClone(record));
  }

  get size(): number {
    return this.#records.size;
  }

  list(): T[] {
    return this.#keys().map((key) => structuredClone(this.#records.get(key) as T));
  }

  get(id: string): T | undefined {
    const record = this.#records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  page(afterKey: string | undefined, limit: number): Page<T> {
    const keys = this.#keys();
    const start = afterKey === undefined ? 0 : firstGreater(keys, afterKey);
    const slice = keys.slice(start, start + limit);
    return {
      items: slice.map((key) => structuredClone(this.#records.get(key) as T)),
      lastKey: slice[slice.length - 1],
      hasMore: start + slice.length < keys.length,
    };
  }

  upsert(record: T): T {
    const key = this.#keyOf(record);
    if (typeof key !== "string" || key.length < 1 || key.length > 128) {
      throw new Error("record id must be a string of 1 to 128 characters");
    }
    const previous = this.#records.get(key);
    const stored = structuredClone(record);
    this.#records.set(key, stored);
    if (previous === undefined) this.#sortedKeys = undefined;
    this.#emit({ type: "upserted", record: structuredClone(stored), previous });
    return structuredClone(stored);
  }

  /** Deletes the record and returns it (undefined if it was not there). */
  remove(id: string): T | undefined {
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    this.#records.delete(id);
    this.#sortedKeys = undefined;
    this.#emit({ type: "removed", record: structuredClone(record) });
    return structuredClone(record);
  }

  /** Called after every mutation; used for persistence, and later for pushing webhooks. Returns an unsubscribe function. */
  onChange(listener: (change: StoreChange<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: StoreChange<T>): void {
    for (const listener of this.#listeners) listener(change);
  }

  #keys(): string[] {
    // Plain code-unit order: locale-independent, so cursors mean the same thing everywhere.
    this.#sortedKeys ??= [...this.#records.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.#sortedKeys;
  }
}

function firstGreater(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type MemberStore = RecordStore<Member>;
export type CctvStore = RecordStore<CctvPerson>;

export const createMemberStore = (members: Iterable<Member> = []): MemberStore =>
  new RecordStore<Member>((m) => m.external_id, members);

export const createCctvStore = (people: Iterable<CctvPerson> = []): CctvStore =>
  new RecordStore<CctvPerson>((p) => p.person_id, people);
