import { z } from "zod";
import { outriggerConfigSchema } from "./config-schema.js";

/**
 * The JSON schema of a config file's `outrigger` section (what editors use to complete and check it), from the
 * same zod schema the types come from. Input shape: every key with a default is optional.
 */
export function sectionJsonSchema(): Record<string, unknown> {
  const section = z.toJSONSchema(outriggerConfigSchema, { io: "input", unrepresentable: "any" });
  const { $schema, ...rest } = section as Record<string, unknown>;
  return {
    $schema,
    $id: "https://outrigger.dev/schema/node.json",
    title: "Outrigger config file",
    description: "A node-config file (default.json, production.yaml, …) with an `outrigger` section.",
    type: "object",
    properties: { outrigger: rest },
  };
}
