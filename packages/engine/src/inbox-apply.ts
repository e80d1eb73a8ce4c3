import { parseJson, parseSenderKey, parseStoredEvent } from "@uas/domain";
import type { Db } from "@uas/db";
import { jsonLiteral, sqlJoin, sqlText, type SqlText } from "@uas/db";
import {
  loadEventState,
  loadSenderContexts,
  senderKeyOf,
  writeEvents,
  type LoadedState,
  type ParsedEvent,
  type SenderContext,
  type SourceEventTarget,
} from "./source-event";
import { withPipelinedWriteTransaction, type StoreHandle } from "./store-handle";

export type InboxKey = { sender: string; webhookId: string };
export type InboxApplyStatus = "applied" | "already_done" | "failed" | "missing";
export type InboxApplyResult = InboxKey & { status: InboxApplyStatus; error?: string };

type Pending = InboxKey & { target: SourceEventTarget | null; parsed: ReturnType<typeof parseStoredEvent> | null };
type Outcome = { status: "applied" | "already_done" | "failed"; error?: string };

const keyOf = (key: InboxKey) => `${key.sender}\u0000${key.webhookId}`;

/**
 * Applies a batch of stored webhooks (a queue batch) in one write transaction: the rows are claimed
 * (marked applied) in the same transaction as the changes, so a re-delivery, even a concurrent one, finds
 * them applied; a crash rolls both back. Reads and writes are set-based: a handful of statements per
 * batch, whatever its size. Events are applied in the order they arrived, each against the state the
 * earlier ones left. An event that can never apply (its sender is gone, its payload fails the contract)
 * keeps the reason on its inbox row.
 *
 * The write lock is what every webhook's accept waits for, so it is held for one round trip when it can
 * be (`applyInOneRoundTrip`): the people's rows are read before it and planned, and the claim, the writes
 * and a check that nothing read has changed go out as one atomic script. If anything changed meanwhile
 * (another batch or a pass wrote the same people, a duplicate delivery claimed an event), the batch is
 * applied again with its reads inside the transaction, as before.
 */
export async function applyInboxEvents(
  db: Db,
  input: { keys: readonly InboxKey[]; now: number },
): Promise<InboxApplyResult[]> {
  const results = new Map<string, InboxApplyResult>();
  for (const key of input.keys) results.set(keyOf(key), { ...key, status: "missing" });
  if (input.keys.length === 0) return [];

  const stored = await db.$client.execute({
    sql: `SELECT sender, webhook_id AS webhookId, payload, state FROM webhook_inbox
      WHERE (sender, webhook_id) IN (SELECT value->>0, value->>1 FROM json_each(?)) ORDER BY received_at, rowid`,
    args: [JSON.stringify(input.keys.map((k) => [k.sender, k.webhookId]))],
  });
  const pending: Pending[] = [];
  for (const row of stored.rows as unknown as Array<InboxKey & { payload: string; state: string }>) {
    const result = results.get(keyOf(row));
    if (!result) continue;
    if (row.state === "applied" || row.state === "failed") {
      result.status = "already_done";
      continue;
    }
    const target = parseSenderKey(row.sender);
    pending.push({
      sender: row.sender,
      webhookId: row.webhookId,
      target,
      parsed: target ? parseStoredEvent(target.source, parseJson(row.payload)) : null,
    });
  }
  if (pending.length === 0) return [...results.values()];

  const targets = pending.flatMap((p) => (p.target ? [p.target] : []));
  const senders = await loadSenderContexts(db, targets);
  const parsedEvents = pending.flatMap((p): ParsedEvent[] =>
    p.target && p.parsed?.ok ? [{ target: p.target, change: p.parsed.change, webhookId: p.webhookId }] : [],
  );
  const batch = { pending, senders, parsedEvents, now: input.now };
  const outcomes =
    (await applyInOneRoundTrip(db, batch).catch(() => null)) ?? (await applyWithReadsInTransaction(db, batch));
  for (const [key, outcome] of outcomes) Object.assign(results.get(key) as InboxApplyResult, outcome);
  return [...results.values()];
}

type Batch = {
  pending: readonly Pending[];
  senders: ReadonlyMap<string, SenderContext>;
  parsedEvents: readonly ParsedEvent[];
  now: number;
};

/** The claim of every pending row that is still waiting; RETURNING tells which were. */
function claimStatement(batch: Batch, returning: boolean): SqlText {
  const keys = jsonLiteral(batch.pending.map((p) => [p.sender, p.webhookId]));
  return sqlText`UPDATE webhook_inbox SET state = 'applied', applied_at = ${batch.now}, attempts = attempts + 1, error = NULL
    WHERE state IN ('received', 'enqueued') AND (sender, webhook_id) IN (SELECT value->>0, value->>1 FROM json_each(${keys}))${
      returning ? sqlText` RETURNING sender, webhook_id AS webhookId` : sqlText``
    }`;
}

/**
 * Plans the claimed events against the loaded state and returns the script that writes them (with the
 * failures kept on their inbox rows) and each pending row's outcome. Unclaimed rows were applied by
 * another delivery.
 */
async function planClaimed(
  batch: Batch,
  claimed: ReadonlySet<string>,
  loaded: LoadedState,
): Promise<{ script: readonly SqlText[]; outcomes: Map<string, Outcome> }> {
  const outcomes = new Map<string, Outcome>();
  const events: ParsedEvent[] = [];
  const failures: Array<InboxKey & { error: string }> = [];
  for (const item of batch.pending) {
    if (!claimed.has(keyOf(item))) {
      outcomes.set(keyOf(item), { status: "already_done" });
      continue;
    }
    const error =
      !item.target || !batch.senders.has(senderKeyOf(item.target))
        ? "The sender no longer exists"
        : item.parsed && !item.parsed.ok
          ? `The payload does not match the contract: ${item.parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
          : null;
    if (error !== null || !item.target || !item.parsed?.ok) {
      failures.push({ ...item, error: error ?? "The payload does not match the contract" });
      outcomes.set(keyOf(item), { status: "failed", ...(error === null ? {} : { error }) });
      continue;
    }
    events.push({ target: item.target, change: item.parsed.change, webhookId: item.webhookId });
    outcomes.set(keyOf(item), { status: "applied" });
  }
  let script: readonly SqlText[] = [];
  const capture: StoreHandle = {
    all: () => Promise.reject(new Error("the state is loaded before planning")),
    script: async (statements) => {
      script = statements;
    },
  };
  await writeEvents(capture, batch.senders, events, batch.now, inboxFailedStatements(failures), loaded);
  return { script, outcomes };
}

/**
 * The write lock for one round trip: the people's rows (and remembered removals) are read without it,
 * the events planned as if every pending row were claimable, then `BEGIN IMMEDIATE`, a check that every
 * read still returns what it returned and every row is still waiting, the claim, the writes and `COMMIT`
 * go out as one script. A failed check fails the script, which is rolled back whole (a sequence that
 * stops leaves its transaction open, and closing the stream rolls it back): null, apply it the other way.
 */
async function applyInOneRoundTrip(db: Db, batch: Batch): Promise<Map<string, Outcome> | null> {
  const reads: Array<{ statement: SqlText; value: string | null }> = [];
  const reading: StoreHandle = {
    async all<T>(statement: SqlText) {
      const result = await db.$client.execute(statement.text);
      const value = result.rows[0]?.[0];
      if (result.rows.length !== 1 || result.columns.length !== 1 || (typeof value !== "string" && value !== null))
        throw new Error("only a read of one value can be checked again");
      reads.push({ statement, value });
      return result.rows as unknown as T[];
    },
    script: () => Promise.reject(new Error("reads only")),
  };
  const loaded = await loadEventState(reading, batch.senders, batch.parsedEvents);
  const { script, outcomes } = await planClaimed(batch, new Set(batch.pending.map(keyOf)), loaded);
  const unchanged = [
    sqlText`(SELECT count(*) FROM webhook_inbox WHERE state IN ('received', 'enqueued')
      AND (sender, webhook_id) IN (SELECT value->>0, value->>1 FROM json_each(${jsonLiteral(batch.pending.map((p) => [p.sender, p.webhookId]))}))) = ${batch.pending.length}`,
    ...reads.map(({ statement, value }) => sqlText`(${statement}) IS ${value}`),
  ];
  // SQLite has no RAISE outside triggers: json() of a text that is not JSON fails the statement, and with it
  // the script. Unchanged, the check returns no row (a statement left on a row would keep its read open).
  const check = sqlText`SELECT json('changed since read') WHERE NOT (${sqlJoin(unchanged, " AND ")})`;
  await db.$client.executeMultiple(
    sqlJoin([sqlText`BEGIN IMMEDIATE`, check, claimStatement(batch, false), ...script, sqlText`COMMIT`], ";\n").text,
  );
  return outcomes;
}

/** The claim and the reads inside the write transaction (two round trips holding the lock). */
async function applyWithReadsInTransaction(db: Db, batch: Batch): Promise<Map<string, Outcome>> {
  return withPipelinedWriteTransaction(db, async (handle) => {
    // The claim and the reads go out together with BEGIN; events another consumer claimed first are dropped.
    const [claimed, loaded] = await Promise.all([
      handle.all<InboxKey>(claimStatement(batch, true)),
      loadEventState(handle, batch.senders, batch.parsedEvents),
    ]);
    const { script, outcomes } = await planClaimed(batch, new Set(claimed.map(keyOf)), loaded);
    await handle.script(script);
    return outcomes;
  });
}

function inboxFailedStatements(failures: ReadonlyArray<InboxKey & { error: string }>): SqlText[] {
  if (failures.length === 0) return [];
  return [
    sqlText`UPDATE webhook_inbox SET state = 'failed', applied_at = NULL, error = f.value->>2
      FROM json_each(${jsonLiteral(failures.map((f) => [f.sender, f.webhookId, f.error]))}) AS f
      WHERE webhook_inbox.sender = f.value->>0 AND webhook_inbox.webhook_id = f.value->>1`,
  ];
}
