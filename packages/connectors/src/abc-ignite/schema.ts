import { z } from "zod";
import { isTimeZone } from "./club-time";

/**
 * What the Connect dialog asks for. ABC's API gives no zone with its timestamps, so the club's IANA time
 * zone is part of the connection: deltas are asked for on the club's wall clock (ADR 0018).
 */
export const abcCredentialsSchema = z.object({
  appId: z.string().trim().min(1, "Enter the app_id"),
  appKey: z.string().trim().min(1, "Enter the app_key"),
  clubNumber: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z-]{1,20}$/, "Enter the club number (digits, as ABC shows it)"),
  clubTimeZone: z.string().trim().refine(isTimeZone, "Enter the club's time zone, e.g. America/Chicago"),
});
export type AbcCredentials = z.infer<typeof abcCredentialsSchema>;

/** ABC's JSON carries booleans and numbers as strings ("true", "20.00", "" for none). */
const flag = z
  .union([z.boolean(), z.enum(["true", "false", "True", "False", ""])])
  .transform((v) => v === true || v === "true" || v === "True");
const text = z.string().nullish();

export const abcMemberSchema = z.object({
  memberId: z.string().min(1),
  personal: z.object({
    firstName: text,
    lastName: text,
    email: text,
    primaryPhone: text,
    barcode: text,
    homeClub: text,
    isActive: flag,
    memberStatus: text,
    memberStatusReason: text,
    joinStatus: text,
    lastModifiedTimestamp: z.string().min(1),
  }),
  agreement: z
    .object({
      membershipType: text,
      isPastDue: flag.optional(),
    })
    .nullish(),
});
export type AbcMember = z.infer<typeof abcMemberSchema>;

/** `{status: {message, count, nextPage?}, request, members}`. Members are validated one by one. */
export const abcListSchema = z.object({
  status: z.object({
    message: z.string().optional(),
    count: z.union([z.string(), z.number()]).optional(),
    nextPage: z.union([z.string(), z.number()]).optional(),
  }),
  members: z.array(z.unknown()).optional(),
});
