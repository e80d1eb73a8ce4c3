import type { ConnectionContext } from "../connector";

/** Spaces calls to one account so a pass stays under a published rate (Glofox: about 10 requests/s). */
export class Pacer {
  readonly #next = new Map<string, number>();
  constructor(readonly intervalMs: number) {}

  async wait(key: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#next.get(key) ?? 0);
    this.#next.set(key, at + this.intervalMs);
    if (this.#next.size > 1000) this.#next.delete(this.#next.keys().next().value as string);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  /** The context with every attempt (retries included) spaced by this pacer. */
  paced<C>(context: ConnectionContext<C>, key: string): ConnectionContext<C> {
    const fetch: typeof context.fetch = async (input, init) => {
      await this.wait(key);
      return context.fetch(input, init);
    };
    return { ...context, fetch };
  }
}
