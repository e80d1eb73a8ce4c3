import type { Db } from "@uas/db";

export type Actor =
  | { type: "admin"; userId: string; email: string }
  | { type: "cron" }
  | { type: "webhook"; sender: string }
  | { type: "system" }
  | { type: "anonymous" };

export type Queues = {
  sync: Queue;
  invitations: Queue;
};

/** What every use-case receives: who acts, the database (or a transaction), the clock, the queues. */
export type Ctx<A extends Actor = Actor> = {
  actor: A;
  db: Db;
  now: () => number;
  queues: Queues;
};

export type AdminCtx = Ctx<Extract<Actor, { type: "admin" }>>;
