import type { IntegrationWebhookTarget, WebhookSenderRow } from "@uas/engine";

/**
 * What a webhook route read about its sender, kept per isolate for SENDER_CACHE_MS after a signature
 * verified with it: the sender's row (and an integration's system) and its current secret, opened. The
 * accept path then costs no lookup and no unsealing. A cached sender is trusted only for a signature by
 * that current secret: any other signature (the previous secret during a rotation, a new secret, a wrong
 * one) reads the sender again and is decided on what is stored now. So a rotation is seen at once; a
 * secret replaced without grace (disconnect) or a sender deleted is still accepted by an isolate that
 * verified it in the last SENDER_CACHE_MS (its rows are then kept as failed, never applied to a removed
 * sender). docs/adr/0005-webhooks.md.
 */
export const SENDER_CACHE_MS = 10_000;
/**
 * A cached sender this old is read again, off the answer's path (the request's waitUntil), by the first
 * request that finds it: while a sender keeps sending, no webhook waits for its lookup when the entry would
 * expire (at 250 a second, every expiry made the ~20 requests then in flight each read the sender).
 */
export const SENDER_REFRESH_AFTER_MS = 5_000;
const MAX_SENDERS = 1_000;

export type CachedSender = {
  sender: WebhookSenderRow;
  /** Integrations only. */
  target: IntegrationWebhookTarget | null;
  /** The current secret, opened. */
  current: string;
};

/** What a lookup of the sender found in the database. */
export type SenderRead = { sender: WebhookSenderRow; target: IntegrationWebhookTarget | null };

/** `at`: when the database last said `current` is the sender's current secret. */
const senders = new Map<string, CachedSender & { at: number; refreshing: boolean }>();

export function cachedSender(key: string, now: number): CachedSender | undefined {
  const entry = senders.get(key);
  if (!entry) return undefined;
  if (now - entry.at < SENDER_CACHE_MS && now >= entry.at) return entry;
  senders.delete(key);
  return undefined;
}

export function rememberSender(key: string, entry: CachedSender, now: number): void {
  if (senders.size >= MAX_SENDERS && !senders.has(key)) senders.clear();
  senders.set(key, { ...entry, at: now, refreshing: false });
}

/** Whether the request that found this entry should read the sender again (at most one read at a time). */
export function takeRefresh(key: string, now: number): boolean {
  const entry = senders.get(key);
  if (!entry || entry.refreshing || now - entry.at < SENDER_REFRESH_AFTER_MS) return false;
  entry.refreshing = true;
  return true;
}

/**
 * The outcome of a background read started at `readAt`: a sender whose stored current secret is still the
 * one cached is kept from `readAt` on (never longer: the cache's age is the age of what the database said);
 * any other answer (a replaced secret, a deleted sender) forgets it, so the next request reads and is decided
 * on what is stored. "failed": the read did not answer; the entry keeps its age and expires as it would.
 */
export function confirmSender(key: string, read: SenderRead | null | "failed", readAt: number): void {
  const entry = senders.get(key);
  if (!entry) return;
  if (read === "failed") entry.refreshing = false;
  else if (read && read.sender.secrets.current === entry.sender.secrets.current)
    senders.set(key, { ...entry, ...read, at: Math.max(entry.at, readAt), refreshing: false });
  else senders.delete(key);
}

export function forgetSender(key: string): void {
  senders.delete(key);
}

/** How often the accept path stamps a sender's `last_webhook_at` (the admin's health line), per isolate. */
export const STAMP_EVERY_MS = 10_000;
const stamped = new Map<string, number>();

/** Whether this webhook should stamp its sender's last-webhook time (and, if so, counts it as stamped). */
export function takeStamp(sender: string, now: number): boolean {
  const last = stamped.get(sender);
  if (last !== undefined && now - last < STAMP_EVERY_MS && now >= last) return false;
  if (stamped.size >= MAX_SENDERS && last === undefined) stamped.clear();
  stamped.set(sender, now);
  return true;
}
