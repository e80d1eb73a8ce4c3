/**
 * The night simulation's other processes, so the Worker side (night-sim.ts) measures only its own CPU:
 *
 *   node --import tsx bench/night-sim-child.ts db <file.db>
 *     packages/libsql-http over the file: exactly what the Worker talks to under `wrangler dev`.
 *   node --import tsx bench/night-sim-child.ts partner <config.json>
 *     one demo partner process: one listing server per organisation (its integration's `/members`, a
 *     location per facility) and/or the CCTV listings of every facility (`/cctv/facilities/{id}/people`).
 *
 * Each prints one `READY {json}` line on stdout. The partner then takes JSON commands on stdin, one a line
 * (`{"cmd":"churn",...}`: change, remove and add people between nights) and answers `DONE {json}`.
 */
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { startLibsqlHttpServer } from "@uas/libsql-http";
import {
  createRng,
  startDemoPartner,
  type CctvPerson,
  type DemoPartner,
  type Member,
  type Rng,
} from "@uas/demo-partner";

export type PartnerConfig = {
  apiKey: string;
  seed: number;
  /** Integration mode: one listing server per organisation, members spread over its facilities' locations. */
  organisations: Array<{ id: string; locations: string[]; members: number }>;
  /** CCTV mode: every facility's people on one server. */
  cctv: { facilityIds: string[]; peoplePerFacility: number } | null;
};

export type ChurnCommand = { cmd: "churn"; rate: number; seed: number; at: string };
export type ChurnResult = { changed: number; removed: number; added: number };

const [mode, arg] = process.argv.slice(2);

if (mode === "db") {
  if (!arg) throw new Error("usage: night-sim-child.ts db <file.db>");
  const server = await startLibsqlHttpServer({ file: arg, port: 0 });
  console.log(`READY ${JSON.stringify({ url: server.url, authToken: server.authToken })}`);
  process.once("SIGTERM", () => void server.close().finally(() => process.exit(0)));
} else if (mode === "partner") {
  if (!arg) throw new Error("usage: night-sim-child.ts partner <config.json>");
  const config = JSON.parse(readFileSync(arg, "utf8")) as PartnerConfig;
  const partners = new Map<string, DemoPartner>();
  for (const [i, org] of config.organisations.entries()) {
    partners.set(
      org.id,
      await startDemoPartner({
        apiKey: config.apiKey,
        seed: config.seed + i,
        memberCount: org.members,
        locations: org.locations,
      }),
    );
  }
  let cctvPartner: DemoPartner | undefined;
  if (config.cctv) {
    cctvPartner = await startDemoPartner({
      apiKey: config.apiKey,
      seed: config.seed,
      memberCount: 0,
      cctvFacilityIds: config.cctv.facilityIds,
      cctvPeopleCount: config.cctv.peoplePerFacility,
    });
  }
  console.log(
    `READY ${JSON.stringify({
      integrations: Object.fromEntries([...partners].map(([orgId, p]) => [orgId, p.url])),
      cctvUrl: cctvPartner?.cctvUrl ?? null,
    })}`,
  );

  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const command = JSON.parse(line) as ChurnCommand;
    if (command.cmd !== "churn") return;
    const result: ChurnResult = { changed: 0, removed: 0, added: 0 };
    const rng = createRng(command.seed);
    for (const [orgId, partner] of partners) {
      const org = config.organisations.find((o) => o.id === orgId)!;
      churnStore(partner.store, rng, command, result, (n) => ({
        external_id: `M-new-${command.seed}-${orgId}-${n}`,
        first_name: "New",
        last_name: `Member ${n}`,
        email: `new.member.${n}.${orgId}@example.com`,
        mobile_phone: null,
        person_type: "member",
        membership_status: "active",
        tags: [],
        location_ids: [rng.pick(org.locations)],
        updated_at: command.at,
      }));
    }
    for (const [facilityId, store] of cctvPartner?.cctv ?? []) {
      churnStore(store, rng, command, result, (n) => ({
        person_id: `cv-new-${command.seed}-${n}`,
        first_name: "New",
        last_name: `Visitor ${n}`,
        email: `new.visitor.${n}.${facilityId}@example.com`,
        mobile_phone: null,
        updated_at: command.at,
      }));
    }
    console.log(`DONE ${JSON.stringify(result)}`);
  });
  process.once("SIGTERM", () => {
    void Promise.all([...partners.values(), ...(cctvPartner ? [cctvPartner] : [])].map((p) => p.close())).finally(() =>
      process.exit(0),
    );
  });
} else {
  console.error("usage: night-sim-child.ts db <file> | partner <config.json>");
  process.exit(2);
}

type Store<T> = { list(): T[]; upsert(record: T): T; remove(id: string): T | undefined };
type Person = Member | CctvPerson;

/**
 * Between nights: `rate` of the people get a new last name (a real change), a fifth of that share leave
 * and as many join, so the next night's passes update, disable and add a few and leave the rest unchanged.
 * The removals stay under the mass-disable brake (10 % and 5 people by default).
 */
function churnStore<T extends Person>(
  store: Store<T>,
  rng: Rng,
  command: ChurnCommand,
  result: ChurnResult,
  fresh: (n: number) => T,
): void {
  const people = store.list();
  const keyOf = (p: Person) => ("external_id" in p ? p.external_id : p.person_id);
  const changes = Math.round(people.length * command.rate);
  const moves = Math.round(people.length * command.rate * 0.2);
  const picked = rng.shuffle(people.map((_, i) => i)).slice(0, changes + moves);
  for (const index of picked.slice(0, changes)) {
    const person = people[index]!;
    store.upsert({ ...person, last_name: `${person.last_name}-Changed`, updated_at: command.at });
    result.changed += 1;
  }
  for (const index of picked.slice(changes)) {
    store.remove(keyOf(people[index]!));
    result.removed += 1;
  }
  for (let n = 0; n < moves; n++) {
    store.upsert(fresh(result.added));
    result.added += 1;
  }
}
