import type { AppConfig } from "../../../env";
import type { EmailProvider } from "./provider";
import { resendProvider } from "./resend-provider";

/** What sending an invitation needs besides the row: the provider, the sender's details, the retry policy. */
export type Mailer = {
  provider: EmailProvider;
  from: string;
  appUrl: string | undefined;
  /** Queue retries on an outage (5xx, 429, network) before the row is recorded as failed; then the next pass retries. */
  retries: number;
  /** The first retry's delay; each further one doubles it. */
  retryDelaySeconds: number;
};

export function mailerFromConfig(config: AppConfig, fetchImpl?: typeof fetch): Mailer {
  return {
    provider: resendProvider({ baseUrl: config.RESEND_API_URL, apiKey: config.RESEND_API_KEY, fetch: fetchImpl }),
    from: config.EMAIL_FROM,
    appUrl: config.APP_DOWNLOAD_URL,
    retries: config.INVITATION_SEND_RETRIES,
    retryDelaySeconds: config.INVITATION_RETRY_DELAY_SECONDS,
  };
}
