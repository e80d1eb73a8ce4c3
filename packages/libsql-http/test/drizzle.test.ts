import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql/web";
import { migrate } from "drizzle-orm/libsql/migrator";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").notNull().unique(),
  name: text("name"),
});
const posts = sqliteTable("posts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
});

const migrationsFolder = fileURLToPath(new URL("./fixtures/migrations", import.meta.url));

let t: TestServer;
let db: ReturnType<typeof drizzle>;

beforeAll(async () => {
  t = await startTestServer();
  db = drizzle({ client: t.client() });
});
afterAll(() => t.stop());

describe("drizzle-orm/libsql/web", () => {
  it("runs the migrator, idempotently", async () => {
    await migrate(db, { migrationsFolder });
    await migrate(db, { migrationsFolder });
    const tables = await db.all<{ name: string }>(
      sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
    );
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(["__drizzle_migrations", "posts", "users"]));
    const applied = await db.all(sql`SELECT hash FROM __drizzle_migrations`);
    expect(applied).toHaveLength(2);
    // The migrator turns foreign keys off for its batch; pooled connections must get them back.
    const [fk] = await db.all<{ foreign_keys: number }>(sql`PRAGMA foreign_keys`);
    expect(fk!.foreign_keys).toBe(1);
  });

  it("commits a transaction", async () => {
    const id = await db.transaction(async (tx) => {
      const [user] = await tx.insert(users).values({ email: "ada@example.com", name: "Ada" }).returning();
      await tx.insert(posts).values([
        { userId: user!.id, title: "first" },
        { userId: user!.id, title: "second" },
      ]);
      return user!.id;
    });
    const rows = await db.select().from(posts).where(eq(posts.userId, id));
    expect(rows.map((p) => p.title)).toEqual(["first", "second"]);
  });

  it("rolls back a transaction that throws", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(users).values({ email: "bob@example.com" });
        await tx.update(users).set({ name: "renamed" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.select().from(users).where(eq(users.email, "bob@example.com"))).toEqual([]);
    expect((await db.select().from(users)).map((u) => u.name)).toEqual(["Ada"]);
  });

  it("rolls back a nested savepoint only", async () => {
    await db.transaction(async (tx) => {
      await tx.insert(users).values({ email: "carol@example.com" });
      await tx
        .transaction(async (inner) => {
          await inner.insert(users).values({ email: "dave@example.com" });
          throw new Error("inner");
        })
        .catch(() => undefined);
    });
    const emails = (await db.select().from(users)).map((u) => u.email);
    expect(emails).toContain("carol@example.com");
    expect(emails).not.toContain("dave@example.com");
  });

  it("enforces foreign keys and batches", async () => {
    const err = await db
      .insert(posts)
      .values({ userId: 999, title: "orphan" })
      .catch((e: Error) => e);
    expect((err as Error).cause).toMatchObject({
      code: "SQLITE_CONSTRAINT",
      message: expect.stringMatching(/FOREIGN KEY constraint failed/),
    });
    const [inserted, count] = await db.batch([
      db.insert(users).values({ email: "erin@example.com" }).returning({ id: users.id }),
      db.select({ n: sql<number>`count(*)` }).from(users),
    ]);
    expect(inserted).toHaveLength(1);
    expect(count[0]!.n).toBe(3);
  });
});
