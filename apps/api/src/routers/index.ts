import { router } from "../trpc/init";
import { meRouter } from "./me";
import { syncSettingsRouter } from "./sync-settings";
import { passesRouter } from "./passes";
import { activityRouter } from "./activity";
import { usersRouter } from "./users";
import { integrationsRouter } from "./integrations";
import { bulkDeleteRouter } from "./bulk-delete";
import { invitationsRouter } from "./invitations";
import { accessRulesRouter } from "./access-rules";

export const appRouter = router({
  me: meRouter,
  syncSettings: syncSettingsRouter,
  passes: passesRouter,
  activity: activityRouter,
  users: usersRouter,
  integrations: integrationsRouter,
  bulkDelete: bulkDeleteRouter,
  invitations: invitationsRouter,
  accessRules: accessRulesRouter,
});

export type AppRouter = typeof appRouter;
