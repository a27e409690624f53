// HAProxy in front of the control planes: TCP frontends for the Kubernetes API (6443) and the
// Talos API (50000), each with health-checked backends on every control-plane IP.
import { Plan } from "../plan/types";

export interface HaproxyBackend { name: string; ip: string }

export function renderHaproxyConfig(listenAddress: string, backends: HaproxyBackend[], ports = { kubernetes: 6443, talos: 50000 }): string {
  // one TCP frontend per API, each forwarding to every control plane with active health checks
  const section = (name: string, port: number) => `
frontend ${name}
    bind ${listenAddress}:${port}
    default_backend ${name}

backend ${name}
    balance roundrobin
    option tcp-check
${backends.map((b) => `    server ${b.name} ${b.ip}:${port} check inter 3s fall 3 rise 2`).join("\n")}
`;
  return `# rendered by the homelab Pulumi program; do not edit on the host
global
    log stdout format raw local0
    maxconn 4096

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    timeout connect 5s
    timeout client 1h
    timeout server 1h
${section("kubernetes-api", ports.kubernetes)}${section("talos-api", ports.talos)}`;
}

export function haproxyConfigForPlan(plan: Plan): string {
  const listen = plan.endpoint.haproxy?.listenAddress ?? "0.0.0.0";
  return renderHaproxyConfig(listen, plan.controlPlanes.map((n) => ({ name: n.name, ip: n.ip })));
}

/** Install, validate with `haproxy -c`, then reload (seamless: established connections are kept). */
export function haproxyDeployScript(configPath = "/etc/haproxy/haproxy.cfg"): string {
  return [
    "set -eu",
    `tmp=$(mktemp ${configPath}.XXXXXX)`,
    'cat > "$tmp"',
    'haproxy -c -f "$tmp"',
    `mv "$tmp" ${configPath}`,
    "systemctl reload-or-restart haproxy",
  ].join("\n");
}
