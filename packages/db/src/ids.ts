/** Opaque ids with a readable prefix, e.g. `fac_3f9c…`; prefixes make support escalations easier. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** A Standard Webhooks secret as admins see it: `whsec_` + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
