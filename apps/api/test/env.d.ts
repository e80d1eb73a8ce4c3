declare module "cloudflare:test" {
  interface ProvidedEnv extends Env {
    AUTH_SECRET: string;
    DEMO_PARTNER_URL: string;
    DEMO_PARTNER_KEY: string;
  }
}
