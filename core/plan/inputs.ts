// What buildPlan is given: the stack's config values, which secrets and credential variables are set
// (never their values), and the stack's policy config.
export interface PlanInputs {
  stack: string;
  /** stack config values of the `homelab` namespace, keys without the namespace */
  config: Record<string, unknown>;
  /** which secret config keys are set (values are never needed to plan) */
  secretsPresent: { proxmoxApiToken: boolean; haproxySshPrivateKey: boolean };
  /** which credential environment variables are set */
  env: { PROXMOX_VE_API_TOKEN?: boolean; PROXMOX_VE_USERNAME?: boolean; PROXMOX_VE_PASSWORD?: boolean; PROXMOX_VE_ENDPOINT?: boolean };
  /** policy-pack config of this stack: enforcement levels re-level the shared rules' findings */
  policyConfig?: Record<string, unknown>;
  /** config keys outside the `homelab` namespace (checked for a misspelt namespace) */
  otherKeys?: string[];
  /** false for offline planning (preflight): credentials are only needed to deploy */
  checkCredentials?: boolean;
}

/** Which Proxmox credential variables an environment sets (their values are never needed to plan). */
export function credentialEnv(env: Record<string, string | undefined>): PlanInputs["env"] {
  return {
    PROXMOX_VE_API_TOKEN: !!env.PROXMOX_VE_API_TOKEN,
    PROXMOX_VE_USERNAME: !!env.PROXMOX_VE_USERNAME,
    PROXMOX_VE_PASSWORD: !!env.PROXMOX_VE_PASSWORD,
    PROXMOX_VE_ENDPOINT: !!env.PROXMOX_VE_ENDPOINT,
  };
}

/** Credentials from the secret config key, an API token variable, or a username and password. */
export function hasProxmoxCredentials(input: Pick<PlanInputs, "secretsPresent" | "env">): boolean {
  return (
    input.secretsPresent.proxmoxApiToken ||
    !!input.env.PROXMOX_VE_API_TOKEN ||
    (!!input.env.PROXMOX_VE_USERNAME && !!input.env.PROXMOX_VE_PASSWORD)
  );
}
