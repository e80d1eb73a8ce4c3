import { describe, expect, it } from "vitest";
import { escapeHtml, renderInvitationEmail } from "./email/invitation-email";
import { resendProvider } from "./email/resend-provider";

const base = {
  facilityId: "fac_1",
  facilityName: "Northside",
  firstName: "Ada",
  email: "ada@example.com",
  from: "User Access <invitations@example.com>",
};

describe("the invitation email", () => {
  it("names the facility, says what the app is and how to sign in, in HTML and plain text", () => {
    const email = renderInvitationEmail(base);
    expect(email.subject).toBe("Northside invited you to its app");
    expect(email.to).toBe("ada@example.com");
    for (const body of [email.html, email.text]) {
      expect(body).toContain("Northside");
      expect(body).toContain("your phone becomes your key");
      expect(body).toContain("ada@example.com");
      expect(body).toContain("one-time code");
    }
    expect(email.text).not.toMatch(/<[a-z]/i);
    expect(email.tags).toEqual([
      { name: "kind", value: "invitation" },
      { name: "facility_id", value: "fac_1" },
    ]);
  });

  it("escapes people's data: a name like <script> is text, never markup", () => {
    const email = renderInvitationEmail({
      ...base,
      facilityName: `Gym "<b>Best</b>" & Co`,
      firstName: "<script>alert('x')</script>",
      email: "o'brien+<x>@example.com",
    });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<b>Best</b>");
    expect(email.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(email.html).toContain("Gym &quot;&lt;b&gt;Best&lt;/b&gt;&quot; &amp; Co");
    expect(email.html).toContain("o&#39;brien+&lt;x&gt;@example.com");
    // Plain text is not HTML: it carries the name as written.
    expect(email.text).toContain("Hi <script>alert('x')</script>,");
  });

  it("keeps the subject on one line and links only to http(s) app URLs", () => {
    const email = renderInvitationEmail({
      ...base,
      facilityName: "North\r\nBcc: evil@example.com",
      appUrl: "javascript:alert(1)",
    });
    expect(email.subject).toBe("North Bcc: evil@example.com invited you to its app");
    expect(email.html).not.toContain("javascript:");
    const linked = renderInvitationEmail({ ...base, appUrl: "https://app.example.com/get?a=1&b=2" });
    expect(linked.html).toContain('href="https://app.example.com/get?a=1&amp;b=2"');
    expect(linked.text).toContain("Install the app: https://app.example.com/get?a=1&b=2");
  });

  it("escapes the five HTML characters", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});

describe("the Resend provider", () => {
  const email = renderInvitationEmail(base);

  it("posts to {base}/emails with the bearer key and the idempotency key", async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const provider = resendProvider({
      baseUrl: "https://api.resend.test/",
      apiKey: "re_key",
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return Response.json({ id: "msg_1" });
      }) as unknown as typeof fetch,
    });
    expect(await provider.send(email, { idempotencyKey: "invite/usr_1" })).toEqual({
      ok: true,
      providerMessageId: "msg_1",
    });
    const headers = new Headers(calls[0]!.init.headers);
    expect(calls[0]!.url).toBe("https://api.resend.test/emails");
    expect(headers.get("authorization")).toBe("Bearer re_key");
    expect(headers.get("idempotency-key")).toBe("invite/usr_1");
    expect(JSON.parse(String(calls[0]!.init.body))).toMatchObject({ to: "ada@example.com", subject: email.subject });
  });

  it("reports outages as retryable and bad requests as not, with the provider's words", async () => {
    const answering = (status: number, body: unknown) =>
      resendProvider({
        baseUrl: "https://x.test",
        apiKey: "k",
        fetch: (async () => Response.json(body, { status })) as unknown as typeof fetch,
      });
    expect(
      await answering(503, { name: "application_error", message: "down" }).send(email, { idempotencyKey: "k1" }),
    ).toEqual({
      ok: false,
      error: "The email provider answered 503 (application_error: down)",
      retryable: true,
    });
    const invalid = await answering(422, { name: "validation_error", message: "Invalid `to` field." }).send(email, {
      idempotencyKey: "k2",
    });
    expect(invalid).toMatchObject({ ok: false, retryable: false });
    // The key was already used for this person with other content: that email went out.
    expect(await answering(409, { name: "invalid_idempotent_request" }).send(email, { idempotencyKey: "k3" })).toEqual({
      ok: true,
      providerMessageId: null,
    });
    const unconfigured = resendProvider({ baseUrl: "https://x.test", apiKey: undefined });
    expect(await unconfigured.send(email, { idempotencyKey: "k4" })).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("RESEND_API_KEY"),
    });
  });
});
