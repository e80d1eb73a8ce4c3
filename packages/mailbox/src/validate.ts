import type { EmailTag, NewEmail } from "./store";

export type Validated = { ok: true; email: NewEmail } | { ok: false; message: string };

const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/** `a@b.c` or `Name <a@b.c>`, the forms Resend accepts for from/to. */
function isAddress(value: string): boolean {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  return ADDRESS.test((angle?.[1] ?? value).trim());
}

function addresses(value: unknown, field: string, required: boolean): string[] | string {
  if (value === undefined || value === null) return required ? `Missing \`${field}\` field.` : [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) return `Invalid \`${field}\` field.`;
  if (required && list.length === 0) return `Missing \`${field}\` field.`;
  if (list.length > MAX_RECIPIENTS) return `Too many recipients in \`${field}\` (at most ${MAX_RECIPIENTS}).`;
  const bad = (list as string[]).find((item) => !isAddress(item));
  if (bad !== undefined)
    return `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`;
  return list as string[];
}

/** The subset of Resend's `POST /emails` body the product sends, checked the way Resend answers (422). */
export function validateEmail(body: unknown): Validated {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { ok: false, message: "The body must be a JSON object." };
  const b = body as Record<string, unknown>;
  if (typeof b.from !== "string" || b.from.trim() === "") return { ok: false, message: "Missing `from` field." };
  if (!isAddress(b.from))
    return {
      ok: false,
      message:
        "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.",
    };
  const to = addresses(b.to, "to", true);
  if (typeof to === "string") return { ok: false, message: to };
  const cc = addresses(b.cc, "cc", false);
  if (typeof cc === "string") return { ok: false, message: cc };
  const bcc = addresses(b.bcc, "bcc", false);
  if (typeof bcc === "string") return { ok: false, message: bcc };
  const replyTo = addresses(b.reply_to, "reply_to", false);
  if (typeof replyTo === "string") return { ok: false, message: replyTo };
  if (typeof b.subject !== "string" || b.subject === "") return { ok: false, message: "Missing `subject` field." };
  const html = typeof b.html === "string" ? b.html : null;
  const text = typeof b.text === "string" ? b.text : null;
  if (html === null && text === null) return { ok: false, message: "Missing `html` or `text` field." };

  const headers: Record<string, string> = {};
  if (b.headers !== undefined) {
    if (b.headers === null || typeof b.headers !== "object" || Array.isArray(b.headers))
      return { ok: false, message: "Invalid `headers` field." };
    for (const [name, value] of Object.entries(b.headers)) {
      if (typeof value !== "string") return { ok: false, message: "Invalid `headers` field." };
      headers[name] = value;
    }
  }
  const tags: EmailTag[] = [];
  if (b.tags !== undefined) {
    if (!Array.isArray(b.tags)) return { ok: false, message: "Invalid `tags` field." };
    for (const tag of b.tags as unknown[]) {
      const t = tag as Partial<EmailTag> | null;
      // Resend allows only ASCII letters, numbers, underscores and dashes in tag names and values.
      if (
        !t ||
        typeof t.name !== "string" ||
        typeof t.value !== "string" ||
        !/^[\w-]{1,256}$/.test(t.name) ||
        !/^[\w-]{1,256}$/.test(t.value)
      ) {
        return {
          ok: false,
          message: "Invalid `tags` field. Tags may contain only ASCII letters, numbers, underscores and dashes.",
        };
      }
      tags.push({ name: t.name, value: t.value });
    }
  }
  return {
    ok: true,
    email: { from: b.from, to, cc, bcc, reply_to: replyTo, subject: b.subject, html, text, headers, tags },
  };
}
