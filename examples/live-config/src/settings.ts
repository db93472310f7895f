import { createLiveConfig, type LiveConfig } from "@outrigger/config";
import { z } from "zod";

/** The client settings this example reloads live; anything else in the files is passed through untouched. */
export const settingsSchema = z.object({
  client: z.object({
    retry: z.object({ maxAttempts: z.number().int().min(1).max(10) }),
    lb: z.object({ rule: z.enum(["round-robin", "zone-affinity"]), zone: z.string().min(1) }),
  }),
  server: z.object({ port: z.number().int() }),
});

/** Typed settings, as the schema checked them. */
export type Settings = z.infer<typeof settingsSchema>;

/** Live settings from `dir` (a ConfigMap mount in Kubernetes); `server.port` needs a restart to change. */
export function liveSettings(dir: string, debounceMs?: number): LiveConfig<Settings> {
  return createLiveConfig({
    dir,
    schema: settingsSchema,
    restartOnly: ["server.port"],
    ...(debounceMs !== undefined ? { debounceMs } : {}),
  });
}
