import { z } from "zod";
import { id as ids, multiLine, oneLine, search } from "../../inputs";
import { ACCESS_FILTERS, INVITATION_FILTERS, SOURCES, USER_SORTS, normaliseEmail, normalisePhone } from "@uas/domain";
import { facilityProcedure, inputIssue, router } from "../../trpc/init";
import {
  addGrant,
  createManualUser,
  getUser,
  getUserFilterOptions,
  getUserTiles,
  listUserSources,
  listUsers,
  removeGrant,
  sendUserInvitation,
  updateUser,
} from "./service";
import { userImportProcedures } from "./import-procedures";

const id = ids();

const personName = (label: string) =>
  z.string().trim().min(1, `Enter a ${label}`).max(100, `The ${label} is at most 100 characters`).check(oneLine);

const email = z
  .string()
  .trim()
  .max(254, "The email is at most 254 characters")
  .check(oneLine)
  .nullable()
  .transform((value, ctx) => {
    if (!value) return null;
    const normalised = normaliseEmail(value);
    if (normalised.invalid) {
      ctx.addIssue({ code: "custom", message: "Enter a valid email address" });
      return z.NEVER;
    }
    return normalised.value;
  });

/** Shape only; the number is checked and stored as E.164 in the facility's country below. */
const phone = z.string().trim().max(32, "Enter a valid mobile phone number").check(oneLine).nullable();

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} is at most ${max} characters`)
    .check(oneLine)
    .nullable()
    .transform((value) => (value ? value : null));

const tags = z
  .array(z.string().trim().min(1, "Enter a tag").max(40, "A tag is at most 40 characters").check(oneLine))
  .max(30, "At most 30 tags")
  .transform((values) => [...new Set(values)]);

const patch = z
  .object({
    accessEnabled: z.boolean(),
    trackSourceUpdates: z.boolean(),
    customTags: tags,
    notes: z.string().max(2000, "Notes are at most 2,000 characters").check(multiLine),
    appMessage: z.string().trim().max(280, "The app message is at most 280 characters").check(multiLine),
    firstName: personName("first name"),
    lastName: personName("last name"),
    email,
    mobilePhone: phone,
    personType: optionalText("Person type", 60),
    membershipStatus: optionalText("Membership status", 60),
  })
  .partial()
  .strict();

function phoneIn(countryCode: string, value: string | null | undefined, path: Array<string | number>) {
  if (value === undefined) return undefined;
  if (value === null || value === "") return null;
  const normalised = normalisePhone(value, countryCode);
  if (normalised.invalid) throw inputIssue(path, "Enter a valid mobile phone number");
  return normalised.value;
}

const userRow = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string().nullable(),
  mobilePhone: z.string().nullable(),
  externalId: z.string().nullable(),
  source: z.enum(SOURCES),
  sourceLabel: z.string(),
  trackSourceUpdates: z.boolean(),
  disabledReasons: z.array(z.enum(["switched_off_by_admin", "removed_at_source", "no_matching_rule_or_grant"])),
  invitation: z.enum(["not_invited", "queued", "sent", "failed"]),
  personType: z.string().nullable(),
  membershipStatus: z.string().nullable(),
  lastSyncedAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const userView = userRow.omit({ disabledReasons: true, invitation: true }).extend({
  integrationId: z.string().nullable(),
  syncedTags: z.array(z.string()),
  removedAtSourceAt: z.number().nullable(),
  accessEnabled: z.boolean(),
  customTags: z.array(z.string()),
  notes: z.string(),
  appMessage: z.string(),
  detailsEditable: z.boolean(),
  access: z.object({
    effective: z.boolean(),
    disabledReasons: z.array(z.enum(["switched_off_by_admin", "removed_at_source", "no_matching_rule_or_grant"])),
    until: z.number().nullable(),
    grace: z
      .object({
        until: z.number(),
        membershipStatus: z.string().nullable(),
        membershipStatusLabel: z.string().nullable(),
      })
      .nullable(),
    paidUntil: z.number().nullable(),
  }),
  invitation: z.object({
    state: z.enum(["not_invited", "queued", "sent", "failed"]),
    queuedAt: z.number().nullable(),
    sentAt: z.number().nullable(),
    error: z.string().nullable(),
  }),
  grants: z.array(z.object({ id: z.string(), name: z.string(), createdAt: z.number() })),
  history: z.array(
    z.object({ id: z.number(), door: z.string(), result: z.enum(["granted", "denied"]), at: z.number() }),
  ),
});

const chipValue = (label: string, max: number) =>
  z.string().trim().min(1, `Choose a ${label}`).max(max, `A ${label} is at most ${max} characters`).check(oneLine);

export const usersRouter = router({
  /** The list: the filter chips and the sort of related-pages.md, evaluated in the database. */
  list: facilityProcedure
    .input(
      z
        .object({
          facilityId: id,
          search: search(100, "Search is at most 100 characters").optional(),
          source: z.enum(SOURCES).optional(),
          integrationId: id.optional(),
          access: z.enum(ACCESS_FILTERS).optional(),
          membershipStatus: chipValue("membership status", 60).optional(),
          personType: chipValue("person type", 60).optional(),
          tag: chipValue("tag", 40).optional(),
          invitation: z.enum(INVITATION_FILTERS).optional(),
          sort: z.enum(USER_SORTS).default("name"),
          offset: z.number().int().min(0).max(10_000_000).default(0),
          limit: z.number().int().min(1).max(100).default(25),
        })
        .strict(),
    )
    .output(z.object({ total: z.number(), offset: z.number(), limit: z.number(), rows: z.array(userRow) }))
    .query(({ ctx, input }) => listUsers({ ctx, input: { ...input, facility: ctx.facility } })),

  /** The stat tiles: All users, Has access, No access. */
  tiles: facilityProcedure
    .input(z.object({ facilityId: id }).strict())
    .output(z.object({ allUsers: z.number().int(), hasAccess: z.number().int(), noAccess: z.number().int() }))
    .query(({ ctx }) => getUserTiles({ ctx, input: { facility: ctx.facility } })),

  /** The Membership status, Person type and Tag chips' options: what is present in the facility's data. */
  filterOptions: facilityProcedure
    .input(z.object({ facilityId: id }).strict())
    .output(
      z.object({
        membershipStatuses: z.array(z.object({ value: z.string(), label: z.string() })),
        personTypes: z.array(z.string()),
        tags: z.array(z.string()),
      }),
    )
    .query(({ ctx }) => getUserFilterOptions({ ctx, input: { facility: ctx.facility } })),

  /** The source filter's options: Manual, CCTV/Computer Vision, and each integration of the organisation. */
  sources: facilityProcedure
    .output(z.object({ integrations: z.array(z.object({ id: z.string(), name: z.string() })) }))
    .query(({ ctx }) => listUserSources({ ctx, input: { facility: ctx.facility } })),

  get: facilityProcedure
    .input(z.object({ userId: id }))
    .output(userView)
    .query(({ ctx, input }) => getUser({ ctx, input: { facility: ctx.facility, userId: input.userId } })),

  create: facilityProcedure
    .input(
      z
        .object({ firstName: personName("first name"), lastName: personName("last name"), email, mobilePhone: phone })
        .superRefine((value, ctx) => {
          if (!value.email && !value.mobilePhone) {
            ctx.addIssue({
              code: "custom",
              path: ["email"],
              message: "Enter an email or a mobile phone: people sign in with a code sent to one of them",
            });
          }
        }),
    )
    .output(userView)
    .mutation(({ ctx, input }) => {
      const mobilePhone = phoneIn(ctx.facility.countryCode, input.mobilePhone, ["mobilePhone"]) ?? null;
      return createManualUser({ ctx, input: { ...input, mobilePhone, facility: ctx.facility } });
    }),

  update: facilityProcedure
    .input(z.object({ userId: id, patch }))
    .output(userView)
    .mutation(({ ctx, input }) => {
      const mobilePhone = phoneIn(ctx.facility.countryCode, input.patch.mobilePhone, ["patch", "mobilePhone"]);
      const normalised = mobilePhone === undefined ? input.patch : { ...input.patch, mobilePhone };
      return updateUser({ ctx, input: { facility: ctx.facility, userId: input.userId, patch: normalised } });
    }),

  /**
   * The panel's "Send invitation email" / "Resend invitation email": through the invitation outbox, so a
   * second click while the first is on its way sends nothing more.
   */
  sendInvitation: facilityProcedure
    .input(z.object({ facilityId: id, userId: id }).strict())
    .output(userView)
    .mutation(({ ctx, input }) => sendUserInvitation({ ctx, input: { facility: ctx.facility, userId: input.userId } })),

  import: router(userImportProcedures),

  grants: router({
    add: facilityProcedure
      .input(
        z.object({
          userId: id,
          name: z.string().trim().min(1, "Enter a grant").max(80, "A grant is at most 80 characters").check(oneLine),
        }),
      )
      .output(userView)
      .mutation(({ ctx, input }) => addGrant({ ctx, input: { ...input, facility: ctx.facility } })),
    remove: facilityProcedure
      .input(z.object({ userId: id, grantId: id }))
      .output(userView)
      .mutation(({ ctx, input }) => removeGrant({ ctx, input: { ...input, facility: ctx.facility } })),
  }),
});
