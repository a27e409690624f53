#!/usr/bin/env bash
# What the tests need beyond tools/setup.sh (run by `npm test` before the tests; cached, seconds when
# warm): the external judges the tests hold our output against, built or fetched from pinned Go
# modules into .toolchain/ (git-ignored). Two independent chains run side by side: on 2 cores a cold
# build spends much of its time downloading modules and linking on one core.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. tools/versions.env
. tools/node-env.sh
[ -f .toolchain/toolchain.env ] || { echo "setup-tests: run tools/setup.sh first" >&2; exit 1; }
command -v go >/dev/null || { echo "setup-tests: the tests build their judges with Go 1.24+; install Go" >&2; exit 1; }
t0=$(date +%s)

talos_chain() {
  bash tools/toolchain/fetch-judges.sh
  bash tools/toolchain/build-talos-validate.sh
  # the day-2 steps run the real talosctl against a stand-in that speaks the Talos machine API, with
  # the default release and with 1.13 (its upgrade forces --wait with --drain; both are tested)
  bash tools/toolchain/build-talosctl.sh
  bash tools/toolchain/build-talosctl.sh 1.13.0
  bash tools/toolchain/build-talos-api-standin.sh
  # stand-in talos/kubernetes/command plugins for the full-engine and lifecycle tiers (installed per test run only)
  bash tools/toolchain/build-standins.sh
}

kubernetes_chain() {
  # a real Kubernetes control plane for the Kubernetes tests: etcd, kube-apiserver, kube-controller-manager
  # and kubectl, the real Kubernetes provider plugin (installed per test run only), Talos's ServiceAccount CRD
  bash tools/toolchain/build-etcd.sh
  bash tools/toolchain/build-kube-apiserver.sh
  bash tools/toolchain/build-kubernetes-provider.sh
  bash tools/toolchain/fetch-talos-crds.sh
  # the pull-request workflow is linted by the real actionlint
  bash tools/toolchain/build-actionlint.sh
}

( set -e; talos_chain ) & talos=$!
( set -e; kubernetes_chain ) & kube=$!
rc=0
wait $talos || { echo "setup-tests: building the Talos judges and stand-ins failed (see above)" >&2; rc=1; }
wait $kube || { echo "setup-tests: building the Kubernetes judges failed (see above)" >&2; rc=1; }
[ $rc = 0 ] || exit 1
echo "setup-tests: judges ready in $(( $(date +%s) - t0 ))s"
