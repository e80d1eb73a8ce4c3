/**
 * The official PushPress TypeScript SDK (`@pushpress/pushpress`, a devDependency), loaded from its TypeScript
 * sources at run time: the package ships no compiled entry point, and its sources are not ours to typecheck.
 */
const root = "@pushpress/pushpress/src";

interface SdkResult<T> {
  ok: boolean;
  value?: T;
  error?: { message: string; name?: string; statusCode?: number };
}

export interface PushPressSdk {
  /** The SDK's own verification and parsing of a received webhook (`validateWebhook`). */
  validateWebhook(
    request: Request,
    secret: string,
  ): Promise<SdkResult<{ event: string; data: unknown; created: number }>>;
  /** The SDK client pointed at a simulator. */
  client(serverURL: string, apiKey: string, companyId: string): PushPressClient;
}

export interface PushPressClient {
  customers: {
    list(request: {
      page?: number;
      limit?: number;
    }): Promise<
      AsyncIterable<{ result: { data: { resultArray: Array<{ id: string; role?: string | null; email: string }> } } }>
    >;
    get(request: { uuid: string }): Promise<{ id: string; name: { first: string } }>;
  };
  enrollment: {
    list(request: { customerId?: string; page?: number; limit?: number }): Promise<
      AsyncIterable<{
        result: { data: { resultArray: Array<{ id: string; paidUntil?: string | null; status: string }> } };
      }>
    >;
  };
  manageWebhooks: {
    create(request: {
      requestBody: { url: string; eventTypes: string[] };
    }): Promise<{ id: string; signingSecret: string; active?: boolean }>;
    rotateSecret(request: { uuid: string }): Promise<{ webhookUuid: string; signingSecret: string }>;
  };
  company: { get(request?: object): Promise<{ id: string; name: string }> };
  plans: {
    get(request: { id: string }): Promise<{ id: string; name: string; policies: { allow24HourAccess: boolean } }>;
  };
}

export async function loadPushPressSdk(): Promise<PushPressSdk> {
  const [{ PushPressCore }, { validateWebhook }, { PushPress }] = (await Promise.all([
    import(/* @vite-ignore */ `${root}/core.ts`),
    import(/* @vite-ignore */ `${root}/funcs/validateWebhook.ts`),
    import(/* @vite-ignore */ `${root}/sdk/sdk.ts`),
  ])) as [
    { PushPressCore: new (options: object) => unknown },
    {
      validateWebhook: (
        client: unknown,
        input: { request: Request; secret: string },
      ) => Promise<SdkResult<{ event: string; data: unknown; created: number }>>;
    },
    {
      PushPress: new (options: {
        serverURL: string;
        apiKey: string;
        companyId: string;
        retryConfig?: object;
      }) => PushPressClient;
    },
  ];
  const core = new PushPressCore({ apiKey: "unused" });
  return {
    validateWebhook: (request, secret) => validateWebhook(core, { request, secret }),
    client: (serverURL, apiKey, companyId) =>
      new PushPress({ serverURL, apiKey, companyId, retryConfig: { strategy: "none" } }),
  };
}
