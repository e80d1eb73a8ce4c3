// Bindings the Worker tests add (vitest.config.ts); production has none of these but AUTH_SECRET.
declare namespace Cloudflare {
  interface Env {
    AUTH_SECRET: string;
    DEMO_PARTNER_URL: string;
    DEMO_PARTNER_KEY: string;
    RESEND_API_URL: string;
    RESEND_API_KEY: string;
  }
}
