declare module "cloudflare:test" {
  interface ProvidedEnv extends Env {
    AUTH_SECRET: string;
  }
}
