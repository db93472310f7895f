/** The service name upstreams register under (and the control plane's policies are applied to). */
export const SERVICE = "upstream";
