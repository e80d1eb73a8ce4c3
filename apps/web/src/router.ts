import { createRouter, createWebHistory } from "vue-router";
import { authClient } from "./auth-client";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/sign-in", name: "sign-in", component: () => import("./pages/sign-in-page.vue"), meta: { public: true } },
    { path: "/", name: "home", component: () => import("./pages/facility-picker-page.vue") },
    {
      // Every facility page sits under the facility's nav (Sync settings, User Access, Integrations).
      path: "/facilities/:facilityId",
      component: () => import("./pages/facility-layout.vue"),
      props: true,
      children: [
        { path: "", redirect: { name: "sync-settings" } },
        { path: "sync", name: "sync-settings", component: () => import("./pages/sync-settings-page.vue"), props: true },
        { path: "users", name: "user-access", component: () => import("./pages/user-access-page.vue"), props: true },
        {
          path: "access-rules",
          name: "access-rules",
          component: () => import("./pages/access-rules-page.vue"),
          props: true,
        },
        // Development only: the page itself says so when the Worker has no local mailbox.
        { path: "mailbox", name: "mailbox", component: () => import("./pages/mailbox-page.vue"), props: true },
      ],
    },
    {
      path: "/organisations/:organisationId/integrations",
      name: "integrations",
      component: () => import("./pages/integrations-page.vue"),
      props: true,
    },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  const { data } = await authClient.getSession();
  return data ? true : { name: "sign-in", query: { next: to.fullPath } };
});
