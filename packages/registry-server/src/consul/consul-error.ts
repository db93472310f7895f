import { RegistryError } from "../errors.js";

/*
 * The Consul API answers errors as Consul does, in plain text (the Eureka side answers JSON); the stable code
 * travels in the `X-Outrigger-Error-Code` header. These build the registry's own RegistryError with Consul codes.
 */

/** A 400 with Consul's plain-text reason. */
export function badRequest(reason: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_BAD_REQUEST", reason, 400);
}

/** A 404 for an unknown service, check or endpoint. */
export function notFound(reason: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", reason, 404);
}
