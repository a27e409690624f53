// Upgrade paths: which version steps a running cluster may take in one `pulumi up`. Pure; shared by
// the program (transition rules), the preflight and the policy pack (from the upgrade resources' inputs).
//  - Talos is tested only between adjacent minors: 1.11 -> 1.12 -> 1.13, never 1.11 -> 1.13.
//  - Kubernetes moves at most one minor at a time (kube-apiserver version skew policy).
//  - No downgrades: Talos rolls back a failed upgrade by itself; a downgrade of a healthy cluster is
//    untested, and etcd/Kubernetes data written by the newer release may not be readable.
//  - Talos is upgraded before Kubernetes, so the running Kubernetes must also be supported by the
//    target Talos release, not only the new Kubernetes version.
import type { ConfigProblem } from "../plan/problems";
import { compareVersions as cmp, K8S_FOR_TALOS, parseVersion, SUPPORTED_TALOS } from "../plan/build-plan";
import type { TalosMinor } from "../plan/types";

export interface Versions {
  talos?: string;
  kubernetes?: string;
  talosConfig?: string;
}

type V = [number, number, number];
const minorOf = (v: V) => `${v[0]}.${v[1]}`;
const fmt = (v: V) => `v${v.join(".")}`;

/** The problems of stepping a cluster running `from` to `to`, each with the stack key to change. */
export function upgradePathProblems(from: Versions, to: Versions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (key: string, message: string, fix: string) => problems.push({ key: `homelab:${key}`, message, fix });
  const p = (s?: string) => (s ? parseVersion(s) : undefined);
  const [t0, t1, k0, k1, c0, c1] = [
    p(from.talos),
    p(to.talos),
    p(from.kubernetes),
    p(to.kubernetes),
    p(from.talosConfig),
    p(to.talosConfig),
  ];

  if (t0 && t1) {
    if (cmp(t1, t0) < 0) {
      add(
        "versions.talos",
        `${fmt(t1)} is a downgrade from the running Talos ${fmt(t0)}`,
        `keep versions.talos at ${fmt(t0)} or newer; to undo one node's upgrade use \`talosctl rollback\` (README "Upgrading Talos")`,
      );
    } else if (t1[0] !== t0[0] || t1[1] > t0[1] + 1) {
      const next = `${t0[0]}.${t0[1] + 1}`;
      add(
        "versions.talos",
        `Talos ${fmt(t0)} -> ${fmt(t1)} skips Talos ${next}${t1[1] > t0[1] + 2 ? ` to ${t1[0]}.${t1[1] - 1}` : ""}; Talos upgrades only between adjacent minors`,
        `set versions.talos to the latest patch of Talos ${next} (e.g. v${next}.x), run \`pulumi up\`, then continue one minor per run`,
      );
    }
  }
  if (k0 && k1) {
    if (cmp(k1, k0) < 0) {
      add(
        "versions.kubernetes",
        `${fmt(k1)} is a downgrade from the running Kubernetes ${fmt(k0)}`,
        `keep versions.kubernetes at ${fmt(k0)} or newer`,
      );
    } else if (k1[0] !== k0[0] || k1[1] > k0[1] + 1) {
      add(
        "versions.kubernetes",
        `Kubernetes ${fmt(k0)} -> ${fmt(k1)} skips Kubernetes ${k0[0]}.${k0[1] + 1}; Kubernetes upgrades one minor at a time`,
        `set versions.kubernetes to v${k0[0]}.${k0[1] + 1}.x, run \`pulumi up\`, then continue one minor per run`,
      );
    }
  }
  // Kubernetes against the target Talos release: the new version, and (Talos goes first) the running one.
  if (t1) {
    const range = K8S_FOR_TALOS[minorOf(t1) as TalosMinor];
    if (range && SUPPORTED_TALOS.includes(minorOf(t1) as TalosMinor)) {
      const [lo, hi] = range;
      const inRange = (k: V) => k[0] === 1 && k[1] >= lo && k[1] <= hi;
      if (k1 && !inRange(k1)) {
        add(
          "versions.kubernetes",
          `Kubernetes ${fmt(k1)} is outside Talos ${minorOf(t1)}'s range (v1.${lo} to v1.${hi})`,
          `use Kubernetes v1.${lo} to v1.${hi} with Talos ${minorOf(t1)}`,
        );
      } else if (k0 && t0 && minorOf(t0) !== minorOf(t1) && !inRange(k0)) {
        add(
          "versions.talos",
          `the running Kubernetes ${fmt(k0)} is outside Talos ${minorOf(t1)}'s range (v1.${lo} to v1.${hi}), and Kubernetes is upgraded only after Talos`,
          `first upgrade Kubernetes to v1.${lo}.x on Talos ${minorOf(t0)} (keep versions.talos at ${fmt(t0)}), then upgrade Talos`,
        );
      }
    }
  }
  // The config contract may only follow the installed release: nodes still on the old release during
  // the roll would reject documents of a newer contract. Lowering it is refused like any downgrade.
  if (c1) {
    if (t0 && cmp(c1, t0) > 0) {
      add(
        "versions.talosConfig",
        `config contract ${fmt(c1)} is newer than the Talos ${fmt(t0)} the nodes run now`,
        `raise versions.talosConfig only in a later \`pulumi up\`, after the upgrade to ${to.talos ?? "the new release"} finished`,
      );
    }
    if (c0 && cmp(c1, c0) < 0) {
      add(
        "versions.talosConfig",
        `config contract ${fmt(c1)} is older than the deployed contract ${fmt(c0)}`,
        `remove versions.talosConfig, or set it to ${fmt(c0)} or newer`,
      );
    }
  }
  return problems;
}
