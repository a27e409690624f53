// The Kubernetes API endpoint: a Talos VIP, KubePrism only, or an external HAProxy over SSH.
// KubePrism (127.0.0.1:<port> on every node) is enabled in every mode by the node patches.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EndpointMode, EndpointPlan } from "../core/plan/types";
import { deployInput, haproxyConfigFor, haproxyDeployScript } from "../core/haproxy/render";
import type { PemPair } from "../core/haproxy/health-check-cert";

export interface ApiEndpointArgs {
  /** the plan's `endpoint`: mode, URL, VIP, HAProxy host */
  endpoint: EndpointPlan;
  /** the control planes behind the endpoint (HAProxy's backends) */
  controlPlanes: { name: string; ip: string }[];
  /** SSH private key for the HAProxy host (mode haproxy only) */
  sshPrivateKey?: pulumi.Input<string>;
  /** the cluster's Kubernetes CA from the machine secrets: signs HAProxy's health-check certificate */
  kubernetesCa?: pulumi.Input<PemPair>;
  /** the health-check certificate the last `up` delivered (stack output `haproxyHealthCheck`), kept until renewal is due */
  previousHealthCheckCert?: PemPair;
}

export class ApiEndpoint extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly mode: EndpointMode;
  /** resources that must exist before nodes rely on the endpoint */
  public readonly ready: pulumi.Resource[] = [];
  public readonly haproxyConfig?: string;
  /** HAProxy's health-check client certificate and key (secret; haproxy mode only) */
  public readonly healthCheckCert?: pulumi.Output<PemPair>;

  constructor(name: string, args: ApiEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:network:ApiEndpoint", name, {}, opts);
    const { endpoint } = args;
    this.mode = endpoint.mode;
    this.url = pulumi.output(endpoint.url);
    if (endpoint.mode === "haproxy" && endpoint.haproxy) {
      const hp = endpoint.haproxy;
      // loaded in haproxy mode only: @peculiar/x509 costs every other run 0.1-0.4 s of CPU to load
      const { healthCheckCert, healthCheckPem, renewalReason } =
        require("../core/haproxy/health-check-cert") as typeof import("../core/haproxy/health-check-cert");
      this.haproxyConfig = haproxyConfigFor(endpoint, args.controlPlanes);
      if (!args.kubernetesCa)
        throw new Error("ApiEndpoint: haproxy mode needs the cluster's Kubernetes CA for the health-check certificate");
      const previous = args.previousHealthCheckCert;
      this.healthCheckCert = pulumi.secret(
        pulumi.output(args.kubernetesCa).apply(async (ca) => {
          const reason = renewalReason(previous, ca.cert);
          if (previous && reason) pulumi.log.info(`HAProxy's health-check certificate is renewed: ${reason}`, this);
          return healthCheckCert(ca, previous);
        }),
      );
      const config = this.haproxyConfig;
      const deploy = new command.remote.Command(
        `${name}-haproxy`,
        {
          connection: { host: hp.host, port: hp.sshPort, user: hp.sshUser, privateKey: args.sshPrivateKey },
          create: haproxyDeployScript(),
          update: haproxyDeployScript(),
          // the certificate's key travels on stdin, a secret in the state. A changed config or certificate
          // changes stdin, which runs `update` (the same script). No triggers: @pulumi/command replaces on
          // them (replaceOnChanges: ["triggers[*]"]), which would show a replace for a reload.
          stdin: pulumi.secret(this.healthCheckCert.apply((c) => deployInput(healthCheckPem(c), config))),
        },
        { parent: this, additionalSecretOutputs: ["stdin"] },
      );
      this.ready.push(deploy);
    }
    this.registerOutputs({ url: this.url, mode: this.mode });
  }
}
