// Bindings the Worker tests add (vitest.config.ts); production has none of these but AUTH_SECRET.
declare namespace Cloudflare {
  interface Env {
    AUTH_SECRET: string;
    DATABASE_AUTH_TOKEN: string;
    SECRETS_KEY: string;
    DEMO_PARTNER_URL: string;
    DEMO_PARTNER_KEY: string;
    /** Reliability files (fuzz, tenancy sweep) each get a database nothing else writes to. */
    FUZZ_DATABASE_URL: string;
    /** Migrated organisation databases on the main test endpoint, comma-separated names (ADR 0021). */
    ORGANISATION_TEST_DATABASES: string;
    TENANCY_DATABASE_URL: string;
    FAULTS_DATABASE_URL: string;
    RETENTION_DATABASE_URL: string;
    /** A demo partner whose faults test/faults.test.ts sets over HTTP. */
    FAULTY_PARTNER_URL: string;
    /** Cases per fuzz property ("" = the file's default). */
    FUZZ_RUNS: string;
    RESEND_API_URL: string;
    RESEND_API_KEY: string;
    /** A demo partner with 12 members (invitation tests). */
    SMALL_PARTNER_URL: string;
    /** The member-system simulators (`@uas/simulators`), their API keys and /control bearer key. */
    MINDBODY_URL: string;
    MINDBODY_KEY: string;
    PUSHPRESS_URL: string;
    PUSHPRESS_KEY: string;
    PUSHPRESS_COMPANY_ID: string;
    /** Glofox (key test-glofox-key, token test-glofox-token) and ABC Ignite (app test-abc-app / test-abc-key, America/Chicago). */
    GLOFOX_URL: string;
    GLOFOX_BRANCH_ID: string;
    ABC_URL: string;
    ABC_CLUB: string;
    SIMULATOR_CONTROL_KEY: string;
    /** A demo partner whose second members page always answers 503 (listing tuning test). */
    SECOND_PAGE_FAILS_PARTNER_URL: string;
  }
}

/** Vite's raw imports (a file's text), e.g. wrangler.jsonc in test/config.test.ts. */
declare module "*?raw" {
  const text: string;
  export default text;
}
