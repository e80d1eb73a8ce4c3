import { router } from "./init";
import { meRouter } from "../areas/auth/router";
import { syncSettingsRouter } from "../areas/sync-settings/router";
import { passesRouter } from "../areas/passes/router";
import { activityRouter } from "../areas/activity/router";
import { usersRouter } from "../areas/users/router";
import { integrationsRouter } from "../areas/integrations/router";
import { bulkDeleteRouter } from "../areas/bulk-delete/router";
import { invitationsRouter } from "../areas/invitations/router";
import { accessRulesRouter } from "../areas/access/router";

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
