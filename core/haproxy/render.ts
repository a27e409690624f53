// HAProxy in front of the control planes: TCP frontends for the Kubernetes API (6443) and the
// Talos API (50000), each forwarding to every control-plane IP with an active health check.
import type { EndpointPlan, Plan } from "../plan/types";

export interface HaproxyBackend {
  name: string;
  ip: string;
}

const servers = (backends: HaproxyBackend[], port: number, checkOptions: string) =>
  backends.map((b) => `    server ${b.name} ${b.ip}:${port} check ${checkOptions}inter 3s fall 3 rise 2`).join("\n");

/** where the deploy script installs the health-check client certificate and key (mode 0600, HAProxy's user) */
export const HEALTH_CHECK_CERT_PATH = "/etc/haproxy/kubernetes-health-check.pem";
/** the line between the certificate bundle and the config in the deploy script's stdin */
export const CONFIG_MARKER = "# ---- haproxy.cfg ----";

export function renderHaproxyConfig(
  listenAddress: string,
  backends: HaproxyBackend[],
  ports = { kubernetes: 6443, talos: 50000 },
  healthCheckCert = HEALTH_CHECK_CERT_PATH,
): string {
  return `# rendered by the homelab Pulumi program; do not edit on the host
global
    log stdout format raw local0
    # Debian's package defaults: drop root after binding, confined to an empty directory
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    maxconn 4096

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout check 5s

frontend kubernetes-api
    bind ${listenAddress}:${ports.kubernetes}
    default_backend kubernetes-api

# Traffic stays TCP (clients verify the API server end to end); only the check speaks HTTPS. An
# API server that accepts connections but is not ready (etcd unreachable, still starting) answers
# /readyz with 500 and leaves rotation. The check presents a client certificate of the cluster's CA
# for a user that may read /readyz and nothing else, so the API servers keep anonymous access off.
# "verify none": the check decides readiness, not trust (this host holds no CA to verify with).
backend kubernetes-api
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
${servers(backends, ports.kubernetes, `check-ssl verify none crt ${healthCheckCert} `)}

frontend talos-api
    bind ${listenAddress}:${ports.talos}
    default_backend talos-api

# apid (gRPC over mutual TLS) has no endpoint a client without a Talos certificate may call, and a
# Talos certificate on this host would be an admin credential; a TCP connect proves apid listens,
# which is all talosctl needs from this node.
backend talos-api
    balance roundrobin
    option tcp-check
    tcp-check connect
${servers(backends, ports.talos, "")}
`;
}

/** HAProxy's config for an endpoint in front of these control planes */
export function haproxyConfigFor(endpoint: Pick<EndpointPlan, "haproxy">, controlPlanes: { name: string; ip: string }[]): string {
  return renderHaproxyConfig(
    endpoint.haproxy?.listenAddress ?? "0.0.0.0",
    controlPlanes.map((n) => ({ name: n.name, ip: n.ip })),
  );
}

export const haproxyConfigForPlan = (plan: Plan): string => haproxyConfigFor(plan.endpoint, plan.controlPlanes);

/** What the deploy script reads on stdin: the health-check certificate and key, the marker, the config. */
export const deployInput = (certAndKeyPem: string, config: string) => `${certAndKeyPem.trimEnd()}\n${CONFIG_MARKER}\n${config}`;

/**
 * Install the health-check certificate (0600, owned by HAProxy's user) and the config, validate with
 * `haproxy -c`, then enable at boot and reload (seamless: established connections are kept; a stopped
 * service is started). Secrets come on stdin, never on a command line.
 */
export function haproxyDeployScript(
  configPath = "/etc/haproxy/haproxy.cfg",
  certPath = HEALTH_CHECK_CERT_PATH,
  owner = "haproxy:haproxy",
): string {
  return [
    "set -eu",
    "umask 077",
    `input=$(mktemp ${certPath}.in.XXXXXX)`,
    "trap 'rm -f \"$input\"' EXIT",
    'cat > "$input"',
    `grep -qxF '${CONFIG_MARKER}' "$input" || { echo "haproxy deploy: no '${CONFIG_MARKER}' line in the input" >&2; exit 1; }`,
    `pem=$(mktemp ${certPath}.XXXXXX)`,
    `tmp=$(mktemp ${configPath}.XXXXXX)`,
    `awk -v pem="$pem" -v cfg="$tmp" 'f { print > cfg; next } $0 == "${CONFIG_MARKER}" { f = 1; next } { print > pem }' "$input"`,
    `chown ${owner} "$pem"`,
    `mv "$pem" ${certPath}`,
    'haproxy -c -f "$tmp"',
    // mktemp creates 0600; keep the packaged file's mode so `haproxy -c` works for any admin
    'chmod 0644 "$tmp"',
    `mv "$tmp" ${configPath}`,
    "systemctl enable haproxy",
    "systemctl reload-or-restart haproxy",
  ].join("\n");
}
