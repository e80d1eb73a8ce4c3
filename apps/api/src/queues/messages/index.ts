import { z } from "zod";
import { passStartMessage } from "./pass-start";

export * from "./pass-start";

export const syncQueueMessage = z.discriminatedUnion("type", [passStartMessage]);
export type SyncQueueMessage = z.infer<typeof syncQueueMessage>;
