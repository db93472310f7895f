/** One problem a schema found: where (path segments; zod 4 allows any property key) and what. */
export interface SchemaIssue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
}

/**
 * What LiveConfig needs from a schema: zod's `safeParse` shape, so a zod schema (3.x or 4.x) fits as is, and any
 * validator can be adapted in a few lines. The parsed `data` is the typed config handed to listeners.
 */
export interface ConfigSchema<T> {
  safeParse(
    data: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}

/** A schema that accepts anything, for LiveConfig without one. */
export function anySchema<T>(): ConfigSchema<T> {
  return { safeParse: (data) => ({ success: true, data: data as T }) };
}
