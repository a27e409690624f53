// Runs the Proxmox VE API simulator and the Image Factory stand-in as their own process (inside a test's
// network namespace): `node --import tsx tests/standins/pve-api/main.ts <config.json>`. Prints READY once
// both listen; SIGTERM stops it. The config: SimConfig plus `listen` (the plan's endpoint address and port)
// and `factory` (address and port of the Image Factory stand-in, its journal, versions it has no image for).
import * as fs from "node:fs";
import { LOOPBACK_TLS } from "../../helpers/loopback-tls";
import { listenImageFactory, PveSimulator, type SimConfig } from "./sim";

interface MainConfig extends SimConfig {
  listen: { host: string; port: number };
  factory?: { host: string; port: number; journal: string; missingFile?: string };
}

async function main(): Promise<void> {
  const cfg: MainConfig = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const sim = new PveSimulator(cfg);
  sim.save();
  const servers: { close(): void }[] = [await sim.listen({ ...cfg.listen, tls: LOOPBACK_TLS })];
  if (cfg.factory) {
    const missingFile = cfg.factory.missingFile;
    servers.push(
      await listenImageFactory({
        ...cfg.factory,
        missing: () => (missingFile && fs.existsSync(missingFile) ? fs.readFileSync(missingFile, "utf8").split("\n").filter(Boolean) : []),
      }),
    );
  }
  process.on("SIGTERM", () => {
    for (const s of servers) s.close();
    process.exit(0);
  });
  process.stdout.write("READY\n");
}

main().catch((e) => {
  process.stderr.write(`pve-api simulator: ${(e as Error).stack}\n`);
  process.exit(1);
});
