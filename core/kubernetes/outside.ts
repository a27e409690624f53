// A preview of a deployed stack from a machine outside the homelab (a hosted CI runner previewing a pull
// request): the Kubernetes provider cannot reach the cluster's API, spends minutes in its connection
// timeouts (30 s per discovery request) and then previews without the API server, silently. The program
// says so, with the setting that shortens the wait. It sends nothing to find out: the machine is outside
// when HOMELAB_SKIP_NODE_PROBE=1 says so, or when the program's read of the nodes' running versions
// (core/day2/observe.ts) asked nodes and none answered.

/** `asked`: nodes the version read asked (0: not read); `answered`: those that answered. */
export function previewFromOutside(declaredOutside: boolean, asked: number, answered: number): boolean {
  return declaredOutside || (asked > 0 && answered === 0);
}

/** The preview's warning; `clientTimeout`: $PULUMI_K8S_CLIENT_TIMEOUT (seconds) where the preview runs. */
export function outsidePreviewAdvice(apiUrl: string, declaredOutside: boolean, clientTimeout: string | undefined): string {
  const why = declaredOutside
    ? "HOMELAB_SKIP_NODE_PROBE=1: this preview runs outside the homelab"
    : "no node answered: this preview runs outside the homelab";
  const wait = clientTimeout
    ? `each of its requests gives up after ${clientTimeout} s (PULUMI_K8S_CLIENT_TIMEOUT)`
    : "it first waits out a 30 s connection timeout per request, minutes in all; set PULUMI_K8S_CLIENT_TIMEOUT=5 (seconds) where previews run to shorten that";
  return (
    `${why}. The nodes' running Talos versions are not read (a rolled-back node is not seen), and the Kubernetes ` +
    `provider cannot reach the cluster's API (${apiUrl}): it previews the Cilium LB pool and L2 policy without the API ` +
    `server's checks; ${wait}. \`pulumi up\` needs a machine inside the network.`
  );
}
