/**
 * The `diagnostics_channel` names telemetry listens on, as the publishing packages define them
 * (`lbChannels`/`lbTraceChannels` in @outrigger/loadbalancer, `resilienceChannels` in @outrigger/resilience,
 * `coreChannels` in @outrigger/core, `inboundChannels` in @outrigger/node, `registryChannels` in
 * @outrigger/registry-server). Subscribing by name keeps those packages optional at run time: a process without
 * resilience simply never publishes its channels.
 */
export const CHANNEL = {
  callStart: "outrigger:lb:call:start",
  callEnd: "outrigger:lb:call:end",
  attemptStart: "outrigger:lb:attempt:start",
  attemptEnd: "outrigger:lb:attempt:end",
  retry: "outrigger:lb:retry",
  ejection: "outrigger:lb:ejection",
  breaker: "outrigger:resilience:breaker",
  rejected: "outrigger:resilience:rejected",
  hedge: "outrigger:resilience:hedge",
  budgetExhausted: "outrigger:resilience:budget-exhausted",
  giveUp: "outrigger:core:give-up",
  inboundRequest: "outrigger:inbound:request",
  registryRegister: "outrigger:registry:register",
  registryReceived: "outrigger:registry:replication:received",
  registrySend: "outrigger:registry:replication:send",
  registrySent: "outrigger:registry:replication:sent",
  registryWatch: "outrigger:registry:watch",
} as const;

/** One channel name and what to do with its messages. */
export type Listener = readonly [name: string, onMessage: (message: unknown) => void];
