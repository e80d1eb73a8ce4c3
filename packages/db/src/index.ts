export * as schema from "./schema";
export * from "./schema";
export type { Db, Tx, DbOrTx, DbConfig, Schema } from "./database";
export { createDb } from "./client";
export * from "./ids";
export * from "./queries/provisioning";
export * from "./queries/tenancy";
export * from "./queries/sync-settings";
export * from "./errors";
