import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLibsqlHttpServer, type LibsqlHttpServer } from "@uas/libsql-http";
import { createNodeDb, migrateDb } from "@uas/db/node";

/**
 * A migrated database file behind libSQL's remote protocol (the local endpoint the Worker uses), for tests
 * that need what a Worker sees: each transaction on its own connection, each request a subrequest.
 */
export async function startHttpDatabase(
  name: string,
): Promise<{ server: LibsqlHttpServer; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `uas-${name}-`));
  const file = join(dir, "test.db");
  const local = createNodeDb({ url: `file:${file}` });
  await migrateDb(local);
  local.$client.close();
  const server = await startLibsqlHttpServer({ file, port: 0 });
  return {
    server,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
