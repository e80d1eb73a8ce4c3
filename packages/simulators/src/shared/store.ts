/**
 * People in the order the system lists them (insertion order), with O(1) lookup by id. Listings page over
 * `list()`; removals are rare control actions, so they may re-index.
 */
export class RecordStore<T> {
  readonly #items: T[] = [];
  readonly #index = new Map<string, number>();
  readonly #key: (record: T) => string;
  #version = 0;

  constructor(key: (record: T) => string, records: Iterable<T> = []) {
    this.#key = key;
    for (const record of records) this.upsert(record);
  }

  get size(): number {
    return this.#items.length;
  }

  /** Changes on every write: lets a listing reuse its filtered rows across the pages of one pass. */
  get version(): number {
    return this.#version;
  }

  list(): readonly T[] {
    return this.#items;
  }

  get(id: string): T | undefined {
    const at = this.#index.get(id);
    return at === undefined ? undefined : this.#items[at];
  }

  /** Replaces in place (the listing order stays) or appends; returns whether the record is new. */
  upsert(record: T): boolean {
    this.#version += 1;
    const id = this.#key(record);
    const at = this.#index.get(id);
    if (at !== undefined) {
      this.#items[at] = record;
      return false;
    }
    this.#index.set(id, this.#items.length);
    this.#items.push(record);
    return true;
  }

  remove(id: string): T | undefined {
    const at = this.#index.get(id);
    if (at === undefined) return undefined;
    this.#version += 1;
    const [removed] = this.#items.splice(at, 1);
    this.#index.delete(id);
    for (let i = at; i < this.#items.length; i++) this.#index.set(this.#key(this.#items[i] as T), i);
    return removed;
  }

  replaceAll(records: Iterable<T>): void {
    this.#version += 1;
    this.#items.length = 0;
    this.#index.clear();
    for (const record of records) this.upsert(record);
  }
}

/**
 * The filtered rows of the last listing, reused while the data and the filters stay the same: a full pass
 * asks for hundreds of pages with one filter, and filtering 100,000 people per page would dominate.
 */
export class FilterCache<T> {
  #last: { key: string; version: number; rows: readonly T[] } | undefined;

  rows(store: RecordStore<T>, key: string, keep: (record: T) => boolean): readonly T[] {
    if (this.#last === undefined || this.#last.key !== key || this.#last.version !== store.version) {
      this.#last = { key, version: store.version, rows: store.list().filter(keep) };
    }
    return this.#last.rows;
  }
}
