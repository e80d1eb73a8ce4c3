import { afterEach, describe, expect, it } from "vitest";
import {
  formatClubTime,
  parseClubTime,
  startAbcIgniteSimulator,
  type AbcIgniteSimulator,
  type AbcIgniteSimulatorOptions,
} from "../../src/abc-ignite/index";
import { CONTROL_KEY, control, json } from "../receiver";

const CREDS = { appId: "abc-app", appKey: "abc-key" };
const running: AbcIgniteSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});
async function start(options: Partial<AbcIgniteSimulatorOptions> = {}): Promise<AbcIgniteSimulator> {
  const sim = await startAbcIgniteSimulator({
    controlKey: CONTROL_KEY,
    credentials: [CREDS],
    memberCount: 30,
    ...options,
  });
  running.push(sim);
  return sim;
}
function abc(
  sim: AbcIgniteSimulator,
  path: string,
  headers: Record<string, string | null> = {},
  club = sim.clubNumber,
): Promise<Response> {
  const all: Record<string, string | null> = { app_id: CREDS.appId, app_key: CREDS.appKey, ...headers };
  return fetch(`${sim.apiBaseUrl}/${club}${path}`, {
    headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null)),
  });
}
interface Listing {
  status: { message: string; count: string; nextPage?: string };
  request: Record<string, string>;
  members: Array<{ memberId: string; personal: Record<string, string>; agreement: Record<string, string> }>;
}

describe("ABC Ignite members", () => {
  it("pages with page / size 200 to the last page; members read as ABC answers them", async () => {
    const sim = await start({ memberCount: 450 });
    const ids: string[] = [];
    let page = 1;
    let body: Listing;
    for (;;) {
      body = await json<Listing>(abc(sim, `/members?page=${page}&size=200`));
      ids.push(...body.members.map((m) => m.memberId));
      if (body.status.nextPage === undefined) break;
      expect(body.status.nextPage).toBe(String(page + 1));
      page += 1;
    }
    expect(page).toBe(3);
    expect(body.status).toEqual({ message: "success", count: "50" });
    expect(new Set(ids).size).toBe(450);
    expect((await abc(sim, "/members?size=201")).status).toBe(400);
    const member = body.members[0]!;
    expect(member.personal).toMatchObject({
      isActive: expect.stringMatching(/^(true|false)$/),
      lastModifiedTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000$/),
    });
    expect(member.agreement).toMatchObject({ isPastDue: expect.stringMatching(/^(true|false)$/) });
    const statuses = new Set(sim.club.store.list().map((m) => m.memberStatus));
    expect(statuses).toEqual(new Set(["Active", "Inactive", "Frozen", "Cancelled", "Expired"]));
    expect(sim.club.store.list().some((m) => m.isPastDue)).toBe(true);
  });

  it("answers deltas by lastModifiedTimestampRange in the club time zone; a range read as UTC misses the change", async () => {
    const sim = await start({ clubTimeZone: "America/Chicago" });
    const before = Date.now() - 2000;
    const changed = sim.club.store.list()[2]!.memberId;
    await control(sim.url, "/members", { memberId: changed, memberStatus: "Frozen", isPastDue: true });
    const local = `${formatClubTime(before, "America/Chicago")},${formatClubTime(Date.now() + 60_000, "America/Chicago")}`;
    const delta = await json<Listing>(abc(sim, `/members?lastModifiedTimestampRange=${encodeURIComponent(local)}`));
    expect(delta.members.map((m) => m.memberId)).toEqual([changed]);
    expect(delta.members[0]!.personal.memberStatus).toBe("Frozen");
    expect(delta.members[0]!.agreement.isPastDue).toBe("true");

    // The same wall-clock range written in UTC is six hours ahead of Chicago: it finds nothing.
    const utc = `${formatClubTime(before, "UTC")},${formatClubTime(Date.now() + 60_000, "UTC")}`;
    expect(
      (await json<Listing>(abc(sim, `/members?lastModifiedTimestampRange=${encodeURIComponent(utc)}`))).members,
    ).toEqual([]);
    expect((await abc(sim, "/members?lastModifiedTimestampRange=yesterday")).status).toBe(400);

    const one = await json<Listing>(abc(sim, `/members/${changed}`));
    expect(one.members[0]!.memberId).toBe(changed);
    expect((await abc(sim, "/members/nobody")).status).toBe(404);
  });

  it("converts club-local timestamps both ways, across a DST change", () => {
    const instant = Date.UTC(2026, 2, 8, 8, 30, 0); // 2026-03-08 03:30 CDT (UTC-5), just after the spring change
    expect(formatClubTime(instant, "America/Chicago")).toBe("2026-03-08 03:30:00.000000");
    expect(parseClubTime("2026-03-08 03:30:00.000000", "America/Chicago")).toBe(instant);
    expect(parseClubTime("2026-01-15 12:00:00.000000", "America/Chicago")).toBe(Date.UTC(2026, 0, 15, 18, 0, 0));
  });

  it("tells wrong credentials, an unknown club, a club without access and a missing permission apart", async () => {
    const sim = await start({
      otherClubNumbers: ["1234"],
      credentials: [CREDS, { appId: "limited", appKey: "limited-key", canReadMembers: false }],
    });
    expect((await abc(sim, "/members", { app_key: null })).status).toBe(401);
    expect((await abc(sim, "/members", { app_id: "x" })).status).toBe(401);
    expect((await abc(sim, "/members", {}, "5555")).status).toBe(404);
    expect((await abc(sim, "/members", {}, "1234")).status).toBe(403);
    const limited = await abc(sim, "/members", { app_id: "limited", app_key: "limited-key" });
    expect(limited.status).toBe(403);
    expect(((await limited.json()) as Listing).status.message).toContain("permission");
  });

  it("traps: 200 with no members and the reason in status.message, one page then nothing, a shrunken listing", async () => {
    const sim = await start({ memberCount: 300 });
    await control(sim.url, "/traps", { emptyWithReason: { message: "Club is currently unavailable" } });
    const lie = await abc(sim, "/members");
    expect(lie.status).toBe(200);
    expect(await lie.json()).toMatchObject({
      status: { message: "Club is currently unavailable", count: "0" },
      members: [],
    });
    await control(sim.url, "/traps", { onePageThenNothing: true });
    const first = await json<Listing>(abc(sim, "/members?page=1&size=200"));
    expect(first.members).toHaveLength(200);
    expect(first.status.nextPage).toBeUndefined();
    expect((await json<Listing>(abc(sim, "/members?page=2&size=200"))).members).toEqual([]);
    await control(sim.url, "/traps", { shrinkTo: 7 });
    expect((await json<Listing>(abc(sim, "/members?size=200"))).members).toHaveLength(7);
    expect((await control(sim.url, "/traps", { successFalse: true })).status).toBe(400);
    expect((await control(sim.url, "/generate", { count: 100_000, seed: 1 })).status).toBe(200);
    expect(sim.club.store.size).toBe(100_000);
  }, 60_000);
});
