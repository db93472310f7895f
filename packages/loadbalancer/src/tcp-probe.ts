import { connect } from "node:net";
import type { Probe, ProbeResult } from "./http-probe.js";
import { instanceHost } from "./lb-url.js";

/**
 * A connect-only probe (HAProxy's plain `check`, Envoy's `tcp_health_check` without payload): passes when the
 * instance accepts a TCP connection, which is then closed at once. Use it when instances expose no health path.
 */
export function tcpProbe(): Probe {
  return (instance, signal) =>
    new Promise<ProbeResult>((resolve) => {
      const socket = connect({ host: instanceHost(instance), port: instance.port, signal });
      socket.once("connect", () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once("error", (error) => {
        socket.destroy();
        resolve({ ok: false, error });
      });
    });
}
