// Upgrade paths: which version steps a running cluster may take in one `pulumi up`. Pure; shared by
// the program (transition rules), the preflight and the policy pack (from the upgrade resources' inputs).
//  - Talos moves one minor per run: 1.11 -> 1.12 -> 1.13. Talos's own installer takes more (1.13
//    accepts nodes from 1.11.0, core/versions), but Talos tests the config migration only between
//    adjacent minors and recommends the latest patch of every minor in between; a step the installer
//    itself refuses says so.
//  - Kubernetes moves at most one minor at a time (kube-apiserver version skew policy).
//  - No downgrades: Talos rolls back a failed upgrade by itself; a downgrade of a healthy cluster is
//    untested, and etcd/Kubernetes data written by the newer release may not be readable.
//  - Talos is upgraded before Kubernetes, so the running Kubernetes must also be supported by the
//    target Talos release, not only the new Kubernetes version.
import semver from "semver";
import type { ConfigProblem } from "../plan/problems";
import {
  installerTakes,
  kubernetesMinors,
  kubernetesSupported,
  minorOf,
  minorsBetween,
  nextMinor,
  previousMinor,
  release,
  talosInstallerAccepts,
  talosMinorOf,
} from "../versions";

export interface Versions {
  talos?: string;
  kubernetes?: string;
  talosConfig?: string;
}

/** A problem before its key gets the namespace. */
type Found = ConfigProblem;
const v = (version: string) => `v${version}`;

/** The problems of stepping a cluster running `from` to `to`, each with the stack key to change. */
export function upgradePathProblems(from: Versions, to: Versions): ConfigProblem[] {
  const r = (s?: string) => (s ? release(s) : undefined);
  const [t0, t1, k0, k1, c0, c1] = [
    r(from.talos),
    r(to.talos),
    r(from.kubernetes),
    r(to.kubernetes),
    r(from.talosConfig),
    r(to.talosConfig),
  ];
  const found = [
    ...(t0 && t1 ? talosStep(t0, t1) : []),
    ...(k0 && k1 ? kubernetesStep(k0, k1) : []),
    ...(t1 ? kubernetesOnTarget(t1, t0, k0, k1) : []),
    ...(c1 ? contractStep(c1, t0, c0, to.talos) : []),
  ];
  return found.map((f) => ({ ...f, key: `homelab:${f.key}` }));
}

function talosStep(t0: string, t1: string): Found[] {
  if (semver.lt(t1, t0)) {
    return [
      {
        key: "versions.talos",
        message: `${v(t1)} is a downgrade from the running Talos ${v(t0)}`,
        fix: `keep versions.talos at ${v(t0)} or newer; to undo one node's upgrade use \`talosctl rollback\` (docs/day2.md "Upgrading Talos")`,
      },
    ];
  }
  const apart = minorsBetween(t0, t1);
  if (apart <= 1) return [];
  const next = nextMinor(t0);
  const through = `Talos ${next}${apart > 2 ? ` to ${previousMinor(t1)}` : ""}`;
  const fix = `set versions.talos to the latest patch of Talos ${next} (e.g. v${next}.x), run \`pulumi up\`, then continue one minor per run`;
  const minor = talosMinorOf(t1);
  if (minor && talosInstallerAccepts(t1, t0) === false) {
    return [
      {
        key: "versions.talos",
        message: `Talos ${v(t0)} -> ${v(t1)} skips ${through}; Talos ${minor}'s installer refuses a node on ${v(t0)} (it takes ${installerTakes(minor)})`,
        fix,
      },
    ];
  }
  return [
    {
      key: "versions.talos",
      message: `Talos ${v(t0)} -> ${v(t1)} skips ${through}; Talos upgrades only between adjacent minors here: its installer may take the jump, but Talos tests the config migration only from one minor to the next`,
      fix,
    },
  ];
}

function kubernetesStep(k0: string, k1: string): Found[] {
  if (semver.lt(k1, k0)) {
    return [
      {
        key: "versions.kubernetes",
        message: `${v(k1)} is a downgrade from the running Kubernetes ${v(k0)}`,
        fix: `keep versions.kubernetes at ${v(k0)} or newer`,
      },
    ];
  }
  if (minorsBetween(k0, k1) <= 1) return [];
  const next = nextMinor(k0);
  return [
    {
      key: "versions.kubernetes",
      message: `Kubernetes ${v(k0)} -> ${v(k1)} skips Kubernetes ${next}; Kubernetes upgrades one minor at a time`,
      fix: `set versions.kubernetes to v${next}.x, run \`pulumi up\`, then continue one minor per run`,
    },
  ];
}

/** Kubernetes against the target Talos release: the new version, and (Talos goes first) the running one. */
function kubernetesOnTarget(t1: string, t0?: string, k0?: string, k1?: string): Found[] {
  const minor = talosMinorOf(t1);
  if (!minor) return [];
  const { lowest, highest } = kubernetesMinors(minor);
  const range = `v${lowest} to v${highest}`;
  if (k1 && !kubernetesSupported(minor, k1)) {
    return [
      {
        key: "versions.kubernetes",
        message: `Kubernetes ${v(k1)} is outside Talos ${minor}'s range (${range})`,
        fix: `use Kubernetes ${range} with Talos ${minor}`,
      },
    ];
  }
  if (k0 && t0 && minorOf(t0) !== minor && !kubernetesSupported(minor, k0)) {
    return [
      {
        key: "versions.talos",
        message: `the running Kubernetes ${v(k0)} is outside Talos ${minor}'s range (${range}), and Kubernetes is upgraded only after Talos`,
        fix: `first upgrade Kubernetes to v${lowest}.x on Talos ${minorOf(t0)} (keep versions.talos at ${v(t0)}), then upgrade Talos`,
      },
    ];
  }
  return [];
}

/**
 * The config contract may only follow the installed release: nodes still on the old release during
 * the roll would reject documents of a newer contract. Lowering it is refused like any downgrade.
 */
function contractStep(c1: string, t0?: string, c0?: string, target?: string): Found[] {
  const found: Found[] = [];
  if (t0 && semver.gt(c1, t0)) {
    found.push({
      key: "versions.talosConfig",
      message: `config contract ${v(c1)} is newer than the Talos ${v(t0)} the nodes run now`,
      fix: `raise versions.talosConfig only in a later \`pulumi up\`, after the upgrade to ${target ?? "the new release"} finished`,
    });
  }
  if (c0 && semver.lt(c1, c0)) {
    found.push({
      key: "versions.talosConfig",
      message: `config contract ${v(c1)} is older than the deployed contract ${v(c0)}`,
      fix: `remove versions.talosConfig, or set it to ${v(c0)} or newer`,
    });
  }
  return found;
}
