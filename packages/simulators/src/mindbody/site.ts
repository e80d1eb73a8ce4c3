import { RecordStore } from "../shared/store";
import { FIRST_UNIQUE_ID, generateClients, membership, membershipKind } from "./generate";
import {
  CLIENT_STATUSES,
  isoSeconds,
  type ClientContract,
  type ClientStatus,
  type MindbodyClient,
  type MindbodyLocation,
  type SiteClient,
} from "./types";
import type { SubscriptionRegistry } from "./webhooks";

export interface ClientPatch {
  Id?: string;
  MiddleName?: string | null;
  FirstName?: string;
  LastName?: string;
  Email?: string | null;
  MobilePhone?: string | null;
  HomePhone?: string | null;
  WorkPhone?: string | null;
  Status?: ClientStatus;
  Active?: boolean;
  IsProspect?: boolean;
  HomeLocationId?: number;
}

export class SiteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One Mindbody site: its clients and the changes staff make to them, each announced as a webhook event. */
export class MindbodySite {
  readonly store: RecordStore<SiteClient>;
  #nextUniqueId: number;
  #nextServiceId = 900_000_001;
  #nextContractId = 700_000_001;
  onChange: () => void = () => {};

  constructor(
    readonly siteId: number,
    readonly locations: MindbodyLocation[],
    clients: SiteClient[],
    private readonly webhooks: SubscriptionRegistry,
    private readonly now: () => number,
  ) {
    this.store = new RecordStore((entry) => entry.client.Id, clients);
    this.#nextUniqueId = Math.max(FIRST_UNIQUE_ID - 1, ...clients.map((entry) => entry.client.UniqueId)) + 1;
    for (const entry of clients) {
      for (const m of entry.memberships) this.#nextServiceId = Math.max(this.#nextServiceId, m.Id + 1);
      for (const c of entry.contracts) this.#nextContractId = Math.max(this.#nextContractId, c.Id + 1);
    }
  }

  generate(count: number, seed: number): void {
    this.store.replaceAll(generateClients({ seed, count, siteId: this.siteId, locations: this.locations }));
    this.#nextUniqueId = FIRST_UNIQUE_ID + count;
    this.onChange();
  }

  /** Adds a client (a new Id, or none: the next number) or changes an existing one; emits client.created / client.updated. */
  upsert(patch: ClientPatch): { entry: SiteClient; created: boolean } {
    const existing = patch.Id === undefined ? undefined : this.store.get(patch.Id);
    const at = isoSeconds(this.now());
    let client: MindbodyClient;
    if (existing) {
      client = { ...existing.client, ...this.#fields(patch), LastModifiedDateTime: at };
    } else {
      const uniqueId = this.#nextUniqueId++;
      client = {
        Id: patch.Id ?? String(uniqueId),
        UniqueId: uniqueId,
        FirstName: "New",
        MiddleName: null,
        LastName: `Client ${uniqueId}`,
        Email: null,
        MobilePhone: null,
        HomePhone: null,
        WorkPhone: null,
        Status: "Active",
        Active: true,
        IsProspect: false,
        IsCompany: false,
        HomeLocation: this.locations[0] ?? null,
        CreationDate: at,
        LastModifiedDateTime: at,
        PhotoUrl: null,
        BirthDate: null,
        Action: "None",
        ...this.#fields(patch),
      };
    }
    const entry: SiteClient = {
      client,
      memberships: existing?.memberships ?? [],
      contracts: existing?.contracts ?? [],
    };
    this.store.upsert(entry);
    this.#emit(existing ? "client.updated" : "client.created", clientEventData(client));
    this.onChange();
    return { entry, created: existing === undefined };
  }

  /** `count` clients change at once (a middle initial comes or goes), each with its client.updated: load for webhook receivers. */
  burst(count: number): number {
    const targets = this.store.list().slice(0, count);
    for (const entry of targets)
      this.upsert({ Id: entry.client.Id, MiddleName: entry.client.MiddleName === null ? "B" : null });
    return targets.length;
  }

  /** Mindbody never deletes a client: it deactivates it (Active false) and says so with client.deactivated. */
  deactivate(id: string): SiteClient {
    const existing = this.#get(id);
    const client: MindbodyClient = { ...existing.client, Active: false, LastModifiedDateTime: isoSeconds(this.now()) };
    const entry = { ...existing, client };
    this.store.upsert(entry);
    this.#emit("client.deactivated", clientEventData(client));
    this.onChange();
    return entry;
  }

  /** Two profiles of one person merged at the source: the removed one is gone, the kept one takes its memberships. */
  merge(keptId: string, removedId: string): SiteClient {
    if (keptId === removedId) throw new SiteError(400, "keptClientId and removedClientId must differ");
    const kept = this.#get(keptId);
    const removed = this.#get(removedId);
    const at = isoSeconds(this.now());
    const entry: SiteClient = {
      client: { ...kept.client, LastModifiedDateTime: at },
      memberships: [...kept.memberships, ...removed.memberships],
      contracts: [...kept.contracts, ...removed.contracts],
    };
    this.store.remove(removedId);
    this.store.upsert(entry);
    this.#emit("clientProfileMerger.created", {
      mergeDateTime: at,
      keptClientId: kept.client.Id,
      keptClientUniqueId: kept.client.UniqueId,
      removedClientUniqueId: removed.client.UniqueId,
    });
    this.onChange();
    return entry;
  }

  /**
   * Assigns a membership (no `Id`) or changes / cancels one. The client's own Status is the site's
   * business and changes only when the patch says so.
   */
  setMembership(
    clientId: string,
    patch: {
      Id?: number;
      MembershipId?: number;
      ActiveDate?: string;
      ExpirationDate?: string;
      Cancel?: boolean;
      Status?: ClientStatus;
    },
  ): SiteClient {
    const existing = this.#get(clientId);
    const now = this.now();
    let memberships = existing.memberships;
    if (patch.Id === undefined) {
      const kind = membershipKind(patch.MembershipId);
      const assigned = membership(
        kind,
        this.#nextServiceId++,
        this.siteId,
        dateMs(patch.ActiveDate, now),
        dateMs(patch.ExpirationDate, now + 30 * 24 * 3600 * 1000),
      );
      memberships = [...memberships, assigned];
      this.#emit("clientMembershipAssignment.created", {
        clientId: existing.client.Id,
        clientUniqueId: existing.client.UniqueId,
        clientFirstName: existing.client.FirstName,
        clientLastName: existing.client.LastName,
        clientEmail: existing.client.Email,
        membershipId: assigned.MembershipId,
        membershipName: assigned.Name,
      });
    } else {
      const current = memberships.find((m) => m.Id === patch.Id);
      if (current === undefined) throw new SiteError(404, `Client ${clientId} has no membership ${patch.Id}`);
      const changed = {
        ...current,
        ...(patch.ActiveDate !== undefined ? { ActiveDate: isoSeconds(dateMs(patch.ActiveDate, now)) } : {}),
        ...(patch.ExpirationDate !== undefined
          ? { ExpirationDate: isoSeconds(dateMs(patch.ExpirationDate, now)) }
          : {}),
        ...(patch.Cancel ? { Cancelled: true } : {}),
      };
      memberships = memberships.map((m) => (m.Id === patch.Id ? changed : m));
      if (patch.Cancel && !current.Cancelled)
        this.#emit("clientMembershipAssignment.cancelled", {
          clientId: existing.client.Id,
          membershipId: current.MembershipId,
        });
    }
    const client: MindbodyClient = {
      ...existing.client,
      ...(patch.Status ? { Status: patch.Status } : {}),
      LastModifiedDateTime: isoSeconds(now),
    };
    const entry: SiteClient = { ...existing, client, memberships };
    this.store.upsert(entry);
    if (patch.Status && patch.Status !== existing.client.Status) this.#emit("client.updated", clientEventData(client));
    this.onChange();
    return entry;
  }

  /** Sells (no `Id`), changes or cancels a contract: clientContract.created / .updated / .cancelled. */
  setContract(
    clientId: string,
    patch: { Id?: number; ContractName?: string; StartDate?: string; EndDate?: string; Cancel?: boolean },
  ): SiteClient {
    const existing = this.#get(clientId);
    const now = this.now();
    const ids = { clientId: existing.client.Id, clientUniqueId: existing.client.UniqueId };
    let contracts = existing.contracts;
    if (patch.Id === undefined) {
      const contract: ClientContract = {
        Id: this.#nextContractId++,
        ContractName: patch.ContractName ?? "Monthly Autopay",
        AgreementDate: isoSeconds(now),
        StartDate: isoSeconds(dateMs(patch.StartDate, now)),
        EndDate: isoSeconds(dateMs(patch.EndDate, now + 365 * 24 * 3600 * 1000)),
        AutopayStatus: "Active",
        OriginationLocationId: existing.client.HomeLocation?.Id ?? 0,
        SiteId: this.siteId,
        UpcomingAutopayEvents: [],
      };
      contracts = [...contracts, contract];
      this.#emit("clientContract.created", {
        ...ids,
        clientFirstName: existing.client.FirstName,
        clientLastName: existing.client.LastName,
        clientEmail: existing.client.Email,
        agreementDateTime: contract.AgreementDate,
        contractOriginationLocation: contract.OriginationLocationId,
        contractId: contract.Id,
        contractName: contract.ContractName,
        clientContractId: contract.Id,
        contractStartDateTime: contract.StartDate,
        contractEndDateTime: contract.EndDate,
        isAutoRenewing: true,
      });
    } else {
      const current = contracts.find((c) => c.Id === patch.Id);
      if (current === undefined) throw new SiteError(404, `Client ${clientId} has no contract ${patch.Id}`);
      const changed: ClientContract = {
        ...current,
        ...(patch.StartDate !== undefined ? { StartDate: isoSeconds(dateMs(patch.StartDate, now)) } : {}),
        ...(patch.EndDate !== undefined ? { EndDate: isoSeconds(dateMs(patch.EndDate, now)) } : {}),
        ...(patch.Cancel ? { AutopayStatus: "Inactive" as const, EndDate: isoSeconds(now) } : {}),
      };
      contracts = contracts.map((c) => (c.Id === patch.Id ? changed : c));
      if (patch.Cancel) this.#emit("clientContract.cancelled", { ...ids, clientContractId: current.Id });
      else
        this.#emit("clientContract.updated", {
          ...ids,
          agreementDateTime: changed.AgreementDate,
          clientContractId: changed.Id,
          contractStartDateTime: changed.StartDate,
          contractEndDateTime: changed.EndDate,
          isAutoRenewing: changed.AutopayStatus === "Active",
        });
    }
    const entry: SiteClient = {
      ...existing,
      client: { ...existing.client, LastModifiedDateTime: isoSeconds(now) },
      contracts,
    };
    this.store.upsert(entry);
    this.onChange();
    return entry;
  }

  /** Memberships current at `now`: started, not expired, not cancelled. */
  currentMemberships(
    entry: SiteClient,
  ): Array<Omit<SiteClient["memberships"][number], "Cancelled"> & { Current: boolean }> {
    const now = this.now();
    return entry.memberships
      .filter((m) => !m.Cancelled && Date.parse(m.ActiveDate) <= now && Date.parse(m.ExpirationDate) >= now)
      .map(({ Cancelled: _cancelled, ...m }) => ({ ...m, Current: true }));
  }

  publish(eventId: string, eventData: Record<string, unknown>): string[] {
    return this.webhooks.publish(this.siteId, eventId, eventData);
  }

  #emit(eventId: string, eventData: Record<string, unknown>): void {
    this.webhooks.publish(this.siteId, eventId, eventData);
  }

  #get(id: string): SiteClient {
    const entry = this.store.get(id);
    if (entry === undefined) throw new SiteError(404, `No client ${id}`);
    return entry;
  }

  #fields(patch: ClientPatch): Partial<MindbodyClient> {
    const fields: Partial<MindbodyClient> = {};
    for (const key of ["FirstName", "LastName"] as const) {
      const value = patch[key];
      if (value !== undefined) {
        if (typeof value !== "string" || value.trim() === "")
          throw new SiteError(400, `${key} must be a non-empty string`);
        fields[key] = value;
      }
    }
    for (const key of ["MiddleName", "Email", "MobilePhone", "HomePhone", "WorkPhone"] as const) {
      const value = patch[key];
      if (value !== undefined) {
        if (value !== null && typeof value !== "string") throw new SiteError(400, `${key} must be a string or null`);
        fields[key] = value;
      }
    }
    if (patch.Status !== undefined) {
      if (!(CLIENT_STATUSES as readonly string[]).includes(patch.Status))
        throw new SiteError(400, `Status must be one of ${CLIENT_STATUSES.join(", ")}`);
      fields.Status = patch.Status;
    }
    for (const key of ["Active", "IsProspect"] as const) {
      const value = patch[key];
      if (value !== undefined) {
        if (typeof value !== "boolean") throw new SiteError(400, `${key} must be a boolean`);
        fields[key] = value;
      }
    }
    if (patch.HomeLocationId !== undefined) {
      const location = this.locations.find((l) => l.Id === patch.HomeLocationId);
      if (location === undefined)
        throw new SiteError(
          400,
          `HomeLocationId ${String(patch.HomeLocationId)} is not a location of site ${this.siteId}`,
        );
      fields.HomeLocation = location;
    }
    return fields;
  }
}

/** client.created / .updated / .deactivated eventData (siteId is added by the publisher). */
export function clientEventData(client: MindbodyClient): Record<string, unknown> {
  return {
    clientId: client.Id,
    clientUniqueId: client.UniqueId,
    creationDateTime: client.CreationDate,
    status: client.Status,
    firstName: client.FirstName,
    lastName: client.LastName,
    email: client.Email,
    mobilePhone: client.MobilePhone,
    homePhone: client.HomePhone,
    workPhone: client.WorkPhone,
    isProspect: client.IsProspect,
    isCompany: client.IsCompany,
    homeLocation: client.HomeLocation?.Id ?? null,
    photoUrl: client.PhotoUrl,
    previousEmail: null,
  };
}

function dateMs(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new SiteError(400, `"${value}" is not a date`);
  return ms;
}
