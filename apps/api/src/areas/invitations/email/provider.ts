/** An email as the product hands it to a provider (Resend's field names). */
export type OutgoingEmail = {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  tags: Array<{ name: string; value: string }>;
};

export type SendResult =
  /** `providerMessageId` is null when the provider says the key was already used for this email but not its id. */
  | { ok: true; providerMessageId: string | null }
  /** `retryable`: the provider was down or busy (5xx, 429, network); anything else will fail again as it is. */
  | { ok: false; error: string; retryable: boolean };

/**
 * What sends an email. The idempotency key makes a repeated send (a retry after a crash, two deliveries
 * of one queue message) deliver one email: the provider answers the first send's id again.
 */
export interface EmailProvider {
  send(email: OutgoingEmail, options: { idempotencyKey: string }): Promise<SendResult>;
}
