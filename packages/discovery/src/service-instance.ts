/** Health of an instance as the registry reports it (Eureka's vocabulary). */
export type InstanceStatus = "UP" | "DOWN" | "STARTING" | "OUT_OF_SERVICE" | "UNKNOWN";

/** One reachable instance of a service: the unit every balancer picks from. */
export interface ServiceInstance {
  readonly id: string;
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly zone?: string;
  readonly weight?: number;
  /**
   * Priority level, lowest first (DNS SRV's priority, RFC 2782; Envoy's endpoint priority; HAProxy's `backup`
   * servers are a second level). Absent means 0. A balancer sends to the lowest level it can reach and to the
   * next ones only when none of that level is in service and untried.
   */
  readonly priority?: number;
  readonly status: InstanceStatus;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A whole view of a service's instances at one moment; instancers publish whole snapshots, never diffs. */
export interface Snapshot {
  readonly instances: readonly ServiceInstance[];
}
