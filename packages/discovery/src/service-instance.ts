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
  readonly status: InstanceStatus;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A whole view of a service's instances at one moment; instancers publish whole snapshots, never diffs. */
export interface Snapshot {
  readonly instances: readonly ServiceInstance[];
}
