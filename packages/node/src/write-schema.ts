// Writes schema.json (published as @outrigger/node/schema.json) from the zod schema: `pnpm run schema`.
import { writeFileSync } from "node:fs";
import { sectionJsonSchema } from "./json-schema.js";

writeFileSync(new URL("../schema.json", import.meta.url), `${JSON.stringify(sectionJsonSchema(), null, 2)}\n`);
