import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestHandler, type FailSends, type MailboxContext } from "./server";
import { EmailStore } from "./store";

export type { FailSends } from "./server";
export type { StoredEmail, EmailTag } from "./store";

export type MailboxOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The bearer token senders must present, like a provider's API key. */
  apiKey: string;
  /** Keeps every email across restarts (JSON, rewritten after each change). */
  stateFile?: string;
  /** Don't keep the process alive for this server (a test harness that cannot close it). */
  unref?: boolean;
  /** Start with sends failing (tests); the switch is also `POST /control/fail-sends`. */
  failSends?: Partial<FailSends>;
  random?: () => number;
};

export type Mailbox = {
  /** The API base URL, as `RESEND_API_URL`: senders `POST {url}/emails`. */
  url: string;
  port: number;
  store: EmailStore;
  /** Live failure switch; change it at any time. */
  failSends: FailSends;
  close(): Promise<void>;
};

/**
 * A local stand-in for the email provider: speaks Resend's `POST /emails` (bearer key, Idempotency-Key)
 * and keeps every email instead of delivering it, so development and tests can read what was sent.
 */
export async function startMailbox(options: MailboxOptions): Promise<Mailbox> {
  const store = new EmailStore(options.stateFile);
  const failSends: FailSends = { enabled: false, rate: 1, status: 500, match: null, ...options.failSends };
  const ctx: MailboxContext = {
    apiKey: options.apiKey,
    store,
    failSends,
    random: options.random ?? Math.random,
    now: () => new Date(),
  };
  const server = createServer(createRequestHandler(ctx));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (options.unref) server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    failSends,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
