import { DiscoveryError } from "./errors.js";

/** An answer from the registry: its status, headers and parsed JSON body (undefined when empty). */
export interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** Sends one request to the registry with a timeout; network failures become DISCOVERY_REGISTRY_UNREACHABLE. */
export async function registryRequest(
  url: string,
  init: { method: string; body?: unknown; timeoutMs: number; signal?: AbortSignal },
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
      // The caller's signal (close()) and the timeout both end the request.
      signal: init.signal
        ? AbortSignal.any([init.signal, AbortSignal.timeout(init.timeoutMs)])
        : AbortSignal.timeout(init.timeoutMs),
    });
  } catch (cause) {
    throw new DiscoveryError(
      "DISCOVERY_REGISTRY_UNREACHABLE",
      `Registry at ${url} is unreachable: check that it runs and the URL is right`,
      { cause },
    );
  }
  const { status, headers } = response;
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new DiscoveryError(
      "DISCOVERY_REGISTRY_UNREACHABLE",
      `Registry at ${url} dropped the connection mid-answer: check that it runs`,
      { cause },
    );
  }
  if (!text) return { status, headers, body: undefined };
  try {
    return { status, headers, body: JSON.parse(text) };
  } catch (cause) {
    if (status >= 400) return { status, headers, body: undefined };
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", `Registry at ${url} answered with invalid JSON`, { cause });
  }
}

/** Joins a base URL (with or without a trailing slash) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
