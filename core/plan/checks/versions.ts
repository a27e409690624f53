// Checks of `versions`, the etcd backup schedule and the image: releases the program supports, in the
// ranges Talos states for each other (core/versions).
import { cronScheduleProblem } from "../../day2/cron";
import { kubernetesMinors, kubernetesSupported, newerRelease, SUPPORTED_TALOS, talosMinorOf } from "../../versions";
import { ciliumPlanFor, SUPPORTED_CILIUM_MINORS } from "../../versions/cilium";
import type { WellFormedConfig } from "../parse";
import { type Found, listedTwice } from "./check";

export function talosSupported(cfg: WellFormedConfig): Found[] {
  const talos = cfg.versions?.talos;
  if (!talos || talosMinorOf(talos)) return [];
  return [{ message: `Talos ${talos} is not supported`, fix: `use a release of Talos ${SUPPORTED_TALOS.join(", ")}` }];
}

export function kubernetesForTalos(cfg: WellFormedConfig): Found[] {
  const minor = cfg.versions?.talos ? talosMinorOf(cfg.versions.talos) : undefined;
  const kubernetes = cfg.versions?.kubernetes;
  if (!minor || !kubernetes || kubernetesSupported(minor, kubernetes)) return [];
  const { lowest, highest } = kubernetesMinors(minor);
  return [{ message: `Kubernetes ${kubernetes} is not supported by Talos ${minor}`, fix: `use Kubernetes v${lowest} to v${highest}` }];
}

/** The config contract: a supported release, never newer than the installed one. */
export function contractNotAboveTalos(cfg: WellFormedConfig): Found[] {
  const { talos, talosConfig } = cfg.versions ?? {};
  if (!talos || !talosConfig || (talosMinorOf(talosConfig) && !newerRelease(talosConfig, talos))) return [];
  return [
    {
      message: `config contract ${talosConfig} must be a supported release no newer than versions.talos (${talos})`,
      fix: `write a version of Talos ${SUPPORTED_TALOS.join(", ")} not above ${talos}: nodes reject config documents of a newer release`,
    },
  ];
}

export function ciliumSupported(cfg: WellFormedConfig): Found[] {
  const cilium = cfg.versions?.cilium;
  if (!cilium || ciliumPlanFor(cilium)) return [];
  return [
    {
      message: `Cilium "${cilium}" cannot be configured by this program`,
      fix: `use a Cilium release of ${SUPPORTED_CILIUM_MINORS.join(", ")} such as 1.18.4`,
    },
  ];
}

/** The CronJob's schedule as the API server judges it (robfig/cron's standard parser), before any deploy. */
export function etcdBackupSchedule(cfg: WellFormedConfig): Found[] {
  const schedule = cfg.etcdBackup?.schedule;
  const problem = schedule ? cronScheduleProblem(schedule) : undefined;
  if (!problem) return [];
  return [
    {
      message: `"${schedule}" is not a cron schedule Kubernetes accepts: ${problem}`,
      fix: 'write five cron fields, e.g. "17 3 * * *" (daily at 03:17), or a descriptor such as @daily',
    },
  ];
}

/**
 * What is wrong with an Image Factory URL, if anything: Proxmox downloads the image from it
 * (`<url>/image/<schematic>/<version>/nocloud-amd64.qcow2`), so it must be a plain http(s) base URL.
 */
export function imageFactoryUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return `has the scheme ${u.protocol.replace(/:$/, "")}; the factory is reached over https (or http)`;
  if (u.username || u.password) return "carries credentials; a URL in the stack file is not the place for them";
  if (u.search || u.hash) return "has a query or fragment; write the factory's base URL only";
  return undefined;
}

export function imageFactoryUrl(cfg: WellFormedConfig): Found[] {
  const url = cfg.image?.factoryUrl;
  const problem = url ? imageFactoryUrlProblem(url) : undefined;
  if (!problem) return [];
  return [
    {
      message: `"${url}" ${problem}`,
      fix: "write the factory's base URL, e.g. https://factory.talos.dev or https://factory.example.internal:8080, or remove the key for the public factory",
    },
  ];
}

export function extensionsListedOnce(cfg: WellFormedConfig): Found[] {
  return listedTwice("image.extensions", cfg.image?.extensions ?? [], "extension");
}
