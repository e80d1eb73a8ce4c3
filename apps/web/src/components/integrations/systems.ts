/** The systems "Connect integration" offers, and each one's credential fields (the connector's names). */
export type SystemChoice = "partner-api" | "mindbody" | "pushpress" | "glofox" | "abc-ignite";

export type CredentialField = {
  name: string;
  label: string;
  secret?: boolean;
  hint?: string;
  optional?: boolean;
  /** The value is a time zone: the dialog shows the time there now, for the admin to check against the club's clock. */
  clock?: boolean;
};

/**
 * How a system's changes arrive between passes: a webhook subscription the product sets up ("managed",
 * Mindbody and PushPress), webhooks signed with a secret the system issued ("issued", Glofox), or a delta
 * poll every few minutes ("polled", ABC Ignite).
 */
export type ChangeDelivery = "managed" | "issued" | "polled";

export const SYSTEMS: Array<{
  value: SystemChoice;
  label: string;
  apiUrl: string;
  fields: CredentialField[];
  webhooks?: ChangeDelivery;
}> = [
  { value: "partner-api", label: "Partner API", apiUrl: "", fields: [] },
  {
    value: "mindbody",
    label: "Mindbody",
    apiUrl: "https://api.mindbodyonline.com/public/v6",
    fields: [
      { name: "apiKey", label: "API key", secret: true, hint: "Your Mindbody developer account's API key." },
      { name: "siteId", label: "Site ID", hint: "The studio's Mindbody site id (a number, such as -99)." },
      { name: "username", label: "Staff username", hint: "A staff login allowed to view clients." },
      { name: "password", label: "Staff password", secret: true },
    ],
  },
  {
    value: "pushpress",
    label: "PushPress",
    apiUrl: "https://api.pushpress.com/v3",
    fields: [
      { name: "apiKey", label: "API key", secret: true },
      { name: "companyId", label: "Company ID", hint: "The PushPress company (gym) id." },
    ],
  },
  {
    value: "glofox",
    label: "Glofox",
    apiUrl: "https://gf-api.aws.glofox.com/prod",
    webhooks: "issued",
    fields: [
      { name: "apiKey", label: "API key", secret: true, hint: "The x-api-key Glofox issued." },
      { name: "apiToken", label: "API token", secret: true, hint: "The x-glofox-api-token (one per branch)." },
      { name: "branchId", label: "Branch ID", hint: "The x-glofox-branch-id of the studio." },
      {
        name: "webhookSecret",
        label: "Webhook secret",
        secret: true,
        optional: true,
        hint: "Issued by Glofox with the API credentials; it signs the change webhooks.",
      },
    ],
  },
  {
    value: "abc-ignite",
    label: "ABC Ignite",
    apiUrl: "https://api.abcfinancial.com/rest",
    webhooks: "polled",
    fields: [
      { name: "appId", label: "App ID", hint: "The app_id of your ABC developer account." },
      { name: "appKey", label: "App key", secret: true, hint: "The app_key that goes with it." },
      { name: "clubNumber", label: "Club number", hint: "The club's number, as ABC shows it." },
      {
        name: "clubTimeZone",
        label: "Club time zone",
        hint: "The club's own time zone (e.g. America/Chicago): changes are asked for on its clock.",
        clock: true,
      },
    ],
  },
];

export const systemOf = (value: string) => SYSTEMS.find((system) => system.value === value) ?? SYSTEMS[0]!;
