import { integer, text } from "drizzle-orm/sqlite-core";

/** Epoch milliseconds: sortable, compact, and what the domain's clock speaks. */
export const epochMs = (name: string) => integer(name, { mode: "number" });
export const flag = (name: string) => integer(name, { mode: "boolean" });
export const jsonText = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
