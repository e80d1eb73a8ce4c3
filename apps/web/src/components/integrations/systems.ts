/** The systems "Connect integration" offers, and each one's credential fields (the connector's names). */
export type SystemChoice = "partner-api" | "mindbody" | "pushpress";

export type CredentialField = { name: string; label: string; secret?: boolean; hint?: string };

export const SYSTEMS: Array<{
  value: SystemChoice;
  label: string;
  apiUrl: string;
  fields: CredentialField[];
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
];

export const systemOf = (value: string) => SYSTEMS.find((system) => system.value === value) ?? SYSTEMS[0]!;
