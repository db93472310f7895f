// The `@outrigger/discovery/consul` entry: Consul's backend lives apart so users of other registries never load
// the `consul` client.
export type { ConsulAddress } from "./consul-client.js";
export { ConsulInstancer, type ConsulInstancerOptions } from "./consul-instancer.js";
export { ConsulRegistrar, type ConsulRegistrarOptions, type ConsulServiceRegistration } from "./consul-registrar.js";
export { fromConsulHealthEntry, parseConsulHealth } from "./consul-wire.js";
