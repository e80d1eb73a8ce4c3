import type { Db } from "@uas/db";

/**
 * The same database, with its client watched: how many write transactions were opened, and the scripts
 * sent. `beforeScript` runs once, just before the first script reaches the database: another writer
 * getting there between the batch's reads and its write.
 */
export function watched(target: Db, beforeScript?: () => Promise<void>) {
  const seen = { transactions: 0, scripts: 0 };
  let pending = beforeScript;
  const client = new Proxy(target.$client, {
    get(real, name) {
      if (name === "transaction")
        return (...args: Parameters<typeof real.transaction>) => {
          seen.transactions += 1;
          return real.transaction(...args);
        };
      if (name === "executeMultiple")
        return async (script: string) => {
          seen.scripts += 1;
          const before = pending;
          pending = undefined;
          if (before) await before();
          return real.executeMultiple(script);
        };
      const value = Reflect.get(real, name, real);
      return typeof value === "function" ? value.bind(real) : value;
    },
  });
  const db = new Proxy(target, {
    get: (real, name) => (name === "$client" ? client : Reflect.get(real, name, real)),
  }) as Db;
  return { db, seen };
}
