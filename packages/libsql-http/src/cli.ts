// Usage: tsx src/cli.ts --file ./local.db [--port 8080] [--host 127.0.0.1]
// [--databases-dir ./orgs] (one file per named database, `<url>/db/<name>/`),
// or LIBSQL_HTTP_FILE / LIBSQL_HTTP_PORT / LIBSQL_HTTP_HOST in the environment; LIBSQL_HTTP_AUTH_TOKEN sets
// the bearer token clients must send (a random one is made and printed otherwise).
import { parseArgs } from "node:util";
import { startLibsqlHttpServer } from "./server.js";

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "databases-dir": { type: "string" },
  },
});
const file = values.file ?? process.env.LIBSQL_HTTP_FILE;
if (!file) {
  console.error("usage: libsql-http --file <path.db> [--port 8080] [--host 127.0.0.1]");
  process.exit(2);
}
const port = Number(values.port ?? process.env.LIBSQL_HTTP_PORT ?? 8080);
const host = values.host ?? process.env.LIBSQL_HTTP_HOST ?? "127.0.0.1";

const server = await startLibsqlHttpServer({
  file,
  port,
  host,
  authToken: process.env.LIBSQL_HTTP_AUTH_TOKEN || undefined,
  databasesDir: values["databases-dir"] ?? process.env.LIBSQL_HTTP_DATABASES_DIR,
});
console.log(`libsql-http: serving ${file} at ${server.url}`);
if (!process.env.LIBSQL_HTTP_AUTH_TOKEN) console.log(`libsql-http: auth token ${server.authToken}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
