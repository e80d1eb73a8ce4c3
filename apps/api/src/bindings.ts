/**
 * The Worker's bindings (`Env` from `wrangler types`) plus its secrets. Kept apart from env.ts so the
 * types the admin app sees through AppRouter never reach the Workers runtime's globals.
 */
export type Bindings = Env & { AUTH_SECRET?: string; DATABASE_AUTH_TOKEN?: string; RESEND_API_KEY?: string };
