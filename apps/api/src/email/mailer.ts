import type { AppConfig } from "../env";
import type { EmailProvider } from "./provider";
import { resendProvider } from "./resend-provider";

/** What sending an invitation needs besides the row: the provider and the sender's details. */
export type Mailer = { provider: EmailProvider; from: string; appUrl: string | undefined };

export function mailerFromConfig(config: AppConfig, fetchImpl?: typeof fetch): Mailer {
  return {
    provider: resendProvider({ baseUrl: config.RESEND_API_URL, apiKey: config.RESEND_API_KEY, fetch: fetchImpl }),
    from: config.EMAIL_FROM,
    appUrl: config.APP_DOWNLOAD_URL,
  };
}
