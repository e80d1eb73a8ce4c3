import { z } from "zod";

/** What the Connect dialog asks for: Glofox hands an integrator these three with the API access. */
export const glofoxCredentialsSchema = z.object({
  apiKey: z.string().trim().min(1, "Enter the x-api-key"),
  apiToken: z.string().trim().min(1, "Enter the x-glofox-api-token"),
  branchId: z.string().trim().min(1, "Enter the branch id (x-glofox-branch-id)"),
  /**
   * The secret Glofox issues with the API credentials, which signs its change webhooks (`signature`).
   * Glofox has no subscription API: the product cannot obtain it, so the admin enters it (optional: an
   * integration without it syncs by pass only).
   */
  webhookSecret: z.string().trim().min(1, "Enter the webhook secret Glofox issued").optional(),
});
export type GlofoxCredentials = z.infer<typeof glofoxCredentialsSchema>;

const unixSeconds = z.number().int().nonnegative();

/** A member as `GET /2.0/members` answers it; fields the product does not use pass through unread. */
export const glofoxMemberSchema = z.object({
  _id: z.string().min(1),
  branch_id: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  active: z.boolean(),
  membership: z
    .object({
      type: z.string().nullish(),
      status: z.string().nullish(),
    })
    .nullish(),
  lead_status: z.string().nullish(),
  modified: unixSeconds,
});
export type GlofoxMember = z.infer<typeof glofoxMemberSchema>;

/** The list envelope. Records are validated one by one (a malformed one is a Skipped entry, not a failed page). */
export const glofoxListSchema = z.object({
  object: z.literal("list").optional(),
  page: z.number().int().positive(),
  has_more: z.boolean(),
  total_count: z.number().int().nonnegative().optional(),
  data: z.array(z.unknown()),
});

/** Glofox's error body, which it also sends with HTTP 200: `{"success": false, "message": …}`. */
export const glofoxFailureSchema = z.object({
  success: z.literal(false),
  message: z.string().optional(),
  message_code: z.string().optional(),
});

export const GLOFOX_EVENT_TYPES = ["MEMBER_CREATED", "MEMBER_UPDATED"] as const;

/** A change webhook: `{id, type, branch_id, created, data: member}`. */
export const glofoxWebhookSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  branch_id: z.string().nullish(),
  created: unixSeconds,
  data: z.unknown(),
});
