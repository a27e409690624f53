// The Kubernetes API endpoint: a Talos VIP, KubePrism only, or an external HAProxy over SSH.
// KubePrism (127.0.0.1:<port> on every node) is enabled in every mode by the node patches.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { EndpointMode, Plan } from "../core/plan/types";
import { haproxyConfigForPlan, haproxyDeployScript } from "../core/haproxy/render";

export interface ApiEndpointArgs {
  plan: Plan;
  /** SSH private key for the HAProxy host (mode haproxy only) */
  sshPrivateKey?: pulumi.Input<string>;
}

export class ApiEndpoint extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly mode: EndpointMode;
  /** resources that must exist before nodes rely on the endpoint */
  public readonly ready: pulumi.Resource[] = [];
  public readonly haproxyConfig?: string;

  constructor(name: string, args: ApiEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:network:ApiEndpoint", name, {}, opts);
    const { plan } = args;
    this.mode = plan.endpoint.mode;
    this.url = pulumi.output(plan.endpoint.url);
    if (plan.endpoint.mode === "haproxy" && plan.endpoint.haproxy) {
      const hp = plan.endpoint.haproxy;
      this.haproxyConfig = haproxyConfigForPlan(plan);
      const deploy = new command.remote.Command(`${name}-haproxy`, {
        connection: { host: hp.host, port: hp.sshPort, user: hp.sshUser, privateKey: args.sshPrivateKey },
        create: haproxyDeployScript(),
        update: haproxyDeployScript(),
        stdin: this.haproxyConfig,
        triggers: [this.haproxyConfig],
      }, { parent: this });
      this.ready.push(deploy);
    }
    this.registerOutputs({ url: this.url, mode: this.mode });
  }
}
