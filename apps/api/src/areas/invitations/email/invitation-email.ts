import type { OutgoingEmail } from "./provider";

export type InvitationEmailInput = {
  facilityId: string;
  facilityName: string;
  firstName: string;
  email: string;
  from: string;
  /** Where to get the app; the email says "your phone's app store" without it. */
  appUrl?: string | undefined;
};

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every value that comes from people's data goes through here before it reaches HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** A header value on one line: a name with a line break must not start another header. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, " ").trim();
}

/** Only http(s) links are rendered; anything else (javascript:, data:) is dropped. */
function safeUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/**
 * The app invitation: who invites (the facility), what the app is for, and how to sign in (a one-time
 * code sent to this email; no password). HTML and plain text carry the same words.
 */
export function renderInvitationEmail(input: InvitationEmailInput): OutgoingEmail {
  const facility = oneLine(input.facilityName) || "Your facility";
  const name = oneLine(input.firstName);
  const appUrl = safeUrl(input.appUrl);
  const greeting = name ? `Hi ${name},` : "Hi,";
  const intro = `${facility} has given you access through its mobile app: your phone becomes your key to the doors you may use.`;
  const install = appUrl ? `Install the app: ${appUrl}` : "Install the app from your phone's app store.";
  const signIn = `Open the app and enter this email address: ${input.email}`;
  const code = "We'll email you a one-time code. Enter it in the app to sign in; there is no password to remember.";
  const ignore = `If you weren't expecting this, you can ignore this email. Questions? Ask the team at ${facility}.`;

  const text = [
    greeting,
    "",
    intro,
    "",
    "How to sign in:",
    `1. ${install}`,
    `2. ${signIn}`,
    `3. ${code}`,
    "",
    ignore,
    "",
  ].join("\n");

  const e = escapeHtml;
  const installHtml = appUrl ? `Install the app: <a href="${e(appUrl)}">${e(appUrl)}</a>` : e(install);
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(`Your invitation to ${facility}`)}</title></head>
<body style="margin:0;padding:24px;background:#f5f5f5;font-family:Arial,Helvetica,sans-serif;color:#1f2937">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${e(facility)} invited you to its app</h1>
<p>${e(greeting)}</p>
<p>${e(intro)}</p>
<h2 style="font-size:16px;margin:24px 0 8px">How to sign in</h2>
<ol>
<li>${installHtml}</li>
<li>Open the app and enter this email address: <strong>${e(input.email)}</strong></li>
<li>${e(code)}</li>
</ol>
<p style="color:#6b7280;font-size:13px;margin-top:24px">${e(ignore)}</p>
</div>
</body>
</html>
`;
  return {
    from: input.from,
    to: input.email,
    subject: oneLine(`${facility} invited you to its app`),
    html,
    text,
    tags: [
      { name: "kind", value: "invitation" },
      // Resend allows only letters, digits, "_" and "-" in tags.
      { name: "facility_id", value: input.facilityId.replace(/[^\w-]/g, "_") },
    ],
  };
}
