import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export type EmailTag = { name: string; value: string };

/** A captured email, in the shape Resend's `GET /emails/{id}` answers (plus what the mailbox adds). */
export type StoredEmail = {
  object: "email";
  id: string;
  created_at: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  reply_to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: EmailTag[];
  last_event: "delivered";
  /** The Idempotency-Key it was sent with, if any. */
  idempotency_key: string | null;
  /** Requests this email answered: above 1, the sender repeated a send and the key kept it to one email. */
  requests: number;
};

export type NewEmail = Omit<
  StoredEmail,
  "object" | "id" | "created_at" | "last_event" | "idempotency_key" | "requests"
>;

export type SendOutcome =
  | { kind: "created"; email: StoredEmail }
  | { kind: "replayed"; email: StoredEmail }
  | { kind: "key_conflict" };

type KeyEntry = { id: string; fingerprint: string };

export type MailboxState = { version: 1; emails: StoredEmail[]; keys: Record<string, KeyEntry> };

/** Canonical JSON (sorted keys), so the same payload always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fingerprintOf(email: NewEmail): string {
  return createHash("sha256").update(canonical(email)).digest("hex");
}

export function readState(file: string): MailboxState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<MailboxState>;
  if (parsed.version !== 1 || !Array.isArray(parsed.emails))
    throw new Error(`mailbox state file ${file} is not a version 1 state file`);
  return { version: 1, emails: parsed.emails, keys: parsed.keys ?? {} };
}

/** Write-then-rename: a crash mid-write never leaves half a file. */
function writeState(file: string, state: MailboxState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, file);
}

export type EmailFilter = { to?: string | undefined; tag?: EmailTag | undefined; limit?: number | undefined };

export class EmailStore {
  private readonly state: MailboxState;

  constructor(private readonly file: string | undefined) {
    this.state = (file && readState(file)) || { version: 1, emails: [], keys: {} };
  }

  get size(): number {
    return this.state.emails.length;
  }

  /**
   * Stores an email once per idempotency key: the same key with the same payload answers the first
   * email again; the same key with another payload is refused (Resend's `invalid_idempotent_request`).
   */
  send(email: NewEmail, idempotencyKey: string | null, now: Date): SendOutcome {
    const fingerprint = fingerprintOf(email);
    if (idempotencyKey !== null) {
      const known = this.state.keys[idempotencyKey];
      if (known) {
        if (known.fingerprint !== fingerprint) return { kind: "key_conflict" };
        const stored = this.get(known.id);
        if (stored) {
          stored.requests += 1;
          this.persist();
          return { kind: "replayed", email: stored };
        }
      }
    }
    const stored: StoredEmail = {
      object: "email",
      id: randomUUID(),
      created_at: now.toISOString(),
      ...email,
      last_event: "delivered",
      idempotency_key: idempotencyKey,
      requests: 1,
    };
    this.state.emails.push(stored);
    if (idempotencyKey !== null) this.state.keys[idempotencyKey] = { id: stored.id, fingerprint };
    this.persist();
    return { kind: "created", email: stored };
  }

  get(id: string): StoredEmail | undefined {
    return this.state.emails.find((email) => email.id === id);
  }

  /** Newest first. */
  list(filter: EmailFilter = {}): StoredEmail[] {
    const to = filter.to?.toLowerCase();
    const tag = filter.tag;
    const matches = this.state.emails.filter(
      (email) =>
        (!to || email.to.some((address) => address.toLowerCase() === to)) &&
        (!tag || email.tags.some((t) => t.name === tag.name && t.value === tag.value)),
    );
    return matches.reverse().slice(0, filter.limit ?? matches.length);
  }

  clear(): number {
    const cleared = this.state.emails.length;
    this.state.emails = [];
    this.state.keys = {};
    this.persist();
    return cleared;
  }

  private persist(): void {
    if (this.file) writeState(this.file, this.state);
  }
}
