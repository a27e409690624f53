// Versions: which Talos and Kubernetes releases the program supports, and how releases compare.
// The Talos rows are Talos's own support matrix (talos-compatibility.generated.ts, read from
// pkg/machinery/compatibility at the pinned machinery releases); comparisons go through semver. Pure.
import semver from "semver";
import type { VersionSpan } from "./compatibility-table";
import { TALOS_COMPATIBILITY } from "./talos-compatibility.generated";

export { TALOS_COMPATIBILITY };

/** A supported Talos minor: one per machinery release tools/versions.env pins. */
export type TalosMinor = keyof typeof TALOS_COMPATIBILITY;
export const SUPPORTED_TALOS = Object.keys(TALOS_COMPATIBILITY) as TalosMinor[];

const PLAIN_RELEASE = /^v?\d+\.\d+\.\d+$/;

/** `1.2.3` or `v1.2.3` as `1.2.3`; undefined for anything else (pre-releases and build tags too). */
export function release(value: string): string | undefined {
  return PLAIN_RELEASE.test(value) ? (semver.valid(value) ?? undefined) : undefined;
}

/** `a` is a later release than `b` (both plain releases, `v` or not). */
export function newerRelease(a: string, b: string): boolean {
  return semver.gt(release(a) ?? a, release(b) ?? b);
}

/** `1.12` of a release. */
export function minorOf(version: string): string {
  return `${semver.major(version)}.${semver.minor(version)}`;
}

/** The supported Talos minor of a release, if it is one. */
export function talosMinorOf(version: string): TalosMinor | undefined {
  const v = release(version);
  const minor = v ? minorOf(v) : undefined;
  return SUPPORTED_TALOS.find((m) => m === minor);
}

/** The minor after a release's minor: `1.12` for 1.11.5. */
export function nextMinor(version: string): string {
  return minorOf(semver.inc(release(version) ?? version, "minor") ?? version);
}

/** The minor before a release's minor: `1.12` for 1.13.0. */
export function previousMinor(version: string): string {
  return `${semver.major(version)}.${semver.minor(version) - 1}`;
}

/** Minor releases from `from` up to `to` within one major; Infinity across majors. */
export function minorsBetween(from: string, to: string): number {
  return semver.major(from) === semver.major(to) ? semver.minor(to) - semver.minor(from) : Number.POSITIVE_INFINITY;
}

function inSpan(span: VersionSpan, version: string): boolean {
  return semver.gte(version, span.min) && semver.lt(version, span.below) && !span.denied.includes(version);
}

/** The minors a span covers, for messages: `1.29` to `1.34` for 1.29.0 <= v < 1.34.99. */
function spanMinors(span: VersionSpan): { lowest: string; highest: string } {
  const below = semver.parse(span.below);
  const highest = below && below.patch === 0 ? `${below.major}.${below.minor - 1}` : minorOf(span.below);
  return { lowest: minorOf(span.min), highest };
}

/** The Kubernetes minors Talos states for a Talos minor: `{ lowest: "1.29", highest: "1.34" }`. */
export function kubernetesMinors(talos: TalosMinor): { lowest: string; highest: string } {
  return spanMinors(TALOS_COMPATIBILITY[talos].kubernetes);
}

/** Talos runs this Kubernetes release on this minor (its SupportedWith). */
export function kubernetesSupported(talos: TalosMinor, kubernetes: string): boolean {
  const k = release(kubernetes);
  return !!k && inSpan(TALOS_COMPATIBILITY[talos].kubernetes, k);
}

/**
 * Whether the installer of `target` takes a node running `host` (Talos's UpgradeableFrom): undefined
 * when the target is no supported minor, so the table cannot say.
 */
export function talosInstallerAccepts(target: string, host: string): boolean | undefined {
  const minor = talosMinorOf(target);
  const h = release(host);
  return minor && h ? inSpan(TALOS_COMPATIBILITY[minor].hostVersions, h) : undefined;
}

/** The host versions a Talos minor's installer takes, for messages: `from 1.11.0, below 1.15.0`. */
export function installerTakes(target: TalosMinor): string {
  const s = TALOS_COMPATIBILITY[target].hostVersions;
  return `from ${s.min}, below ${s.below}${s.denied.length ? ` (except ${s.denied.join(", ")})` : ""}`;
}
