import { DiscoveryError } from "./errors.js";

/** An answer from the registry: its status and parsed JSON body (undefined when empty). */
export interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one request to the registry with a timeout; network failures become DISCOVERY_REGISTRY_UNREACHABLE. */
export async function registryRequest(
  url: string,
  init: { method: string; body?: unknown; timeoutMs: number },
): Promise<RegistryResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: {
        accept: "application/json",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : null,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (cause) {
    throw new DiscoveryError(
      "DISCOVERY_REGISTRY_UNREACHABLE",
      `Registry at ${url} is unreachable: check that it runs and the URL is right`,
      { cause },
    );
  }
  const text = await response.text();
  if (!text) return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch (cause) {
    if (response.status >= 400) return { status: response.status, body: undefined };
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", `Registry at ${url} answered with invalid JSON`, { cause });
  }
}

/** Joins a base URL (with or without a trailing slash) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
