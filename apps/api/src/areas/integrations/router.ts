import { z } from "zod";
import { id as ids, oneLine } from "../../inputs";
import { adminProcedure, inputIssue, organisationProcedure, router } from "../../trpc/init";
import type { Ctx } from "../../context";
import {
  connectIntegration,
  disconnect,
  listIntegrations,
  listMyOrganisations,
  organisationFacilities,
  revealWebhookSecret,
  rotateSecret,
  updateIntegrationSettings,
} from "./service";
import { setUpWebhooks, systemLocations, testConnection } from "./native";
import { integrationHealth } from "./health";
import { CONNECTABLE_SYSTEMS } from "../../sources/native";
import { INTEGRATION_SYSTEMS } from "@uas/db";

const id = ids();

const name = z.string().trim().min(1, "Enter a name").max(80, "The name is at most 80 characters").check(oneLine);
const baseUrl = z
  .string()
  .trim()
  .max(500, "The URL is at most 500 characters")
  .check(oneLine)
  .pipe(z.url({ protocol: /^https?$/, error: "Enter the partner's URL, starting with https://" }));
const apiKey = z
  .string()
  .trim()
  .min(1, "Enter the API key")
  .max(500, "The API key is at most 500 characters")
  .check(oneLine);

const system = z.enum(CONNECTABLE_SYSTEMS, { error: "Choose Partner API, Mindbody, PushPress, Glofox or ABC Ignite" });

/** A native system's credential fields by the connector's names; the connector's schema checks their content. */
const credentials = z
  .record(z.string().max(64), z.string().trim().max(500, "At most 500 characters").check(oneLine))
  .refine((entries) => Object.keys(entries).length <= 20, "At most 20 fields");

/** The Connect dialog's entries (before connecting) or a connected integration. */
const connectionTarget = z.union([
  z.object({ integrationId: id }).strict(),
  z.object({ system, baseUrl: baseUrl.optional(), credentials }).strict(),
]);

const connectionCheck = z.object({
  ok: z.boolean(),
  problem: z
    .enum([
      "wrong-credentials",
      "wrong-account",
      "no-permission",
      "unreachable",
      "rate-limited",
      "source-error",
      "quota-exhausted",
    ])
    .optional(),
  message: z.string(),
});

const locations = z
  .array(
    z.object({
      locationId: z
        .string()
        .trim()
        .min(1, "Enter the partner's location id")
        .max(100, "At most 100 characters")
        .check(oneLine),
      facilityId: z.string().min(1, "Choose a facility").max(64).check(oneLine),
    }),
  )
  .max(500, "At most 500 locations")
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      if (seen.has(entry.locationId)) {
        ctx.addIssue({ code: "custom", path: [index, "locationId"], message: "This location is already mapped" });
      }
      seen.add(entry.locationId);
    });
  });

/** Names the map entry whose facility is not one of the organisation's (another organisation's id, say). */
async function checkFacilities(
  ctx: Ctx & { organisationId: string },
  entries: Array<{ facilityId: string }> | undefined,
  path: string[],
) {
  if (!entries) return;
  const own = new Set(
    (await organisationFacilities({ ctx, input: { organisationId: ctx.organisationId } })).map((f) => f.id),
  );
  const index = entries.findIndex((entry) => !own.has(entry.facilityId));
  if (index >= 0) throw inputIssue([...path, index, "facilityId"], "Choose a facility of this organisation");
}

const integrationView = z.object({
  id: z.string(),
  name: z.string(),
  system: z.enum(INTEGRATION_SYSTEMS),
  systemLabel: z.string(),
  /** Mindbody siteId, PushPress companyId; null for partners. */
  accountId: z.string().nullable(),
  managesWebhooks: z.boolean(),
  baseUrl: z.string(),
  connected: z.boolean(),
  apiKeyHint: z.string().nullable(),
  /** `whsec_…abcd`: the secret itself only through `revealSecret`. */
  webhookSecretHint: z.string().nullable(),
  previousSecretValidUntil: z.number().nullable(),
  lastWebhookAt: z.number().nullable(),
  health: z.enum(["waiting", "receiving", "quiet", "polled", "disconnected"]),
  createdAt: z.number(),
  syncedMembers: z.number(),
  locations: z.array(z.object({ locationId: z.string(), facilityId: z.string(), facilityName: z.string() })),
});

const pageView = z.object({
  organisationId: z.string(),
  facilities: z.array(z.object({ id: z.string(), name: z.string() })),
  integrations: z.array(integrationView),
});

export const integrationsRouter = router({
  /** The organisations whose integrations the caller may manage (owners only): drives the nav link. */
  organisations: adminProcedure
    .output(z.array(z.object({ id: z.string(), name: z.string() })))
    .query(({ ctx }) => listMyOrganisations({ ctx })),

  list: organisationProcedure
    .output(pageView)
    .query(({ ctx }) => listIntegrations({ ctx, input: { organisationId: ctx.organisationId } })),

  connect: organisationProcedure
    .input(
      z.object({
        name,
        system: system.optional(),
        baseUrl: baseUrl.optional(),
        apiKey: apiKey.optional(),
        credentials: credentials.optional(),
        locations,
      }),
    )
    .output(pageView.extend({ integrationId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await checkFacilities(ctx, input.locations, ["locations"]);
      return connectIntegration({ ctx, input: { ...input, organisationId: ctx.organisationId } });
    }),

  update: organisationProcedure
    .input(
      z.object({
        integrationId: id,
        patch: z.object({ name, baseUrl, apiKey, credentials }).partial().strict(),
        locations: locations.optional(),
      }),
    )
    .output(pageView)
    .mutation(async ({ ctx, input }) => {
      await checkFacilities(ctx, input.locations, ["locations"]);
      return updateIntegrationSettings({ ctx, input: { ...input, organisationId: ctx.organisationId } });
    }),

  /** The health figures: last event received, failed deliveries the system reports, the last delta's lag. */
  health: organisationProcedure
    .input(z.object({ integrationId: id }))
    .output(
      z.object({
        lastEventAt: z.number().nullable(),
        deliveryFailures: z.discriminatedUnion("reported", [
          z.object({ reported: z.literal(true), count: z.number() }),
          z.object({ reported: z.literal(false), message: z.string() }),
        ]),
        lastDelta: z.object({ receivedAt: z.number(), sourceUpdatedAt: z.number(), lagMs: z.number() }).nullable(),
      }),
    )
    .query(({ ctx, input }) => integrationHealth({ ctx, input: { ...input, organisationId: ctx.organisationId } })),

  /** "Test connection": one cheap authenticated call to the system; what failed in plain words. */
  testConnection: organisationProcedure
    .input(z.object({ target: connectionTarget }))
    .output(connectionCheck)
    .mutation(({ ctx, input }) =>
      testConnection({ ctx, input: { ...input.target, organisationId: ctx.organisationId } }),
    ),

  /** The system's own locations (Mindbody site locations, the PushPress company), to map to facilities. */
  systemLocations: organisationProcedure
    .input(z.object({ target: connectionTarget }))
    .output(
      connectionCheck.extend({ locations: z.array(z.object({ id: z.string(), name: z.string() })) }).partial({
        message: true,
        locations: true,
      }),
    )
    .mutation(({ ctx, input }) =>
      systemLocations({ ctx, input: { ...input.target, organisationId: ctx.organisationId } }),
    ),

  /** "Set up webhooks": the system's subscription to this integration's URL; its signing secret stored sealed. */
  setUpWebhooks: organisationProcedure
    .input(z.object({ integrationId: id }))
    .output(connectionCheck.extend({ webhookUrl: z.string() }))
    .mutation(({ ctx, input }) =>
      setUpWebhooks({
        ctx,
        input: { ...input, organisationId: ctx.organisationId, publicUrl: ctx.publicUrl ?? "" },
      }),
    ),

  rotateSecret: organisationProcedure
    .input(
      z.object({
        integrationId: id,
        graceHours: z.number().int().min(0, "At least 0 hours").max(168, "At most 168 hours (7 days)").optional(),
      }),
    )
    .output(pageView)
    .mutation(({ ctx, input }) => rotateSecret({ ctx, input: { ...input, organisationId: ctx.organisationId } })),

  /** "Show secret": the current webhook secret, audited. A mutation: it records who saw it. */
  revealSecret: organisationProcedure
    .input(z.object({ integrationId: id }))
    .output(z.object({ webhookSecret: z.string() }))
    .mutation(({ ctx, input }) =>
      revealWebhookSecret({ ctx, input: { ...input, organisationId: ctx.organisationId } }),
    ),

  disconnect: organisationProcedure
    .input(z.object({ integrationId: id }))
    .output(pageView.extend({ removed: z.boolean() }))
    .mutation(({ ctx, input }) => disconnect({ ctx, input: { ...input, organisationId: ctx.organisationId } })),
});
