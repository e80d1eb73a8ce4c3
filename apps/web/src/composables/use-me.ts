import { useQuery } from "@tanstack/vue-query";
import { trpc } from "../trpc";

export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: () => trpc.me.get.query() });
}
