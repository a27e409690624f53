// The etcd-backup schedule check (core/day2/cron.ts) on the schedules the real API server was asked about
// (tests/helpers/cron-schedules.ts; tests/e2e/kubernetes-apiserver.test.ts asks it every run).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cronScheduleProblem } from "../../core/day2/cron";
import { SCHEDULES } from "../helpers/cron-schedules";
import { problemsOf, stackPlan } from "../helpers/stacks";

describe("etcd-backup schedule: what Kubernetes accepts as a CronJob schedule", () => {
  it("agrees with the API server's verdict on every listed schedule", () => {
    const wrong = SCHEDULES.filter(([s, ok]) => (cronScheduleProblem(s) === undefined) !== ok).map(
      ([s, ok]) => `${JSON.stringify(s)}: expected ${ok ? "accepted" : "refused"}, got ${cronScheduleProblem(s) ?? "accepted"}`,
    );
    assert.deepEqual(wrong, []);
  });
  it("says which field is wrong and why", () => {
    assert.match(cronScheduleProblem("17 24 * * *")!, /hour field "24": 24 goes above 23 \(0-23\)/);
    assert.match(cronScheduleProblem("0 0 * * 7")!, /day of week field "7"/);
    assert.match(cronScheduleProblem("17 3 * *")!, /4 fields; a schedule has five/);
    assert.match(cronScheduleProblem("CRON_TZ=UTC 17 3 * * *")!, /time zone/);
  });
  it("the plan refuses a schedule Kubernetes would refuse, and takes a descriptor", () => {
    const problems = problemsOf((c) => {
      c.etcdBackup = { schedule: "0 0 * * 7" };
    });
    assert.deepEqual(
      problems.map((p) => p.key),
      ["homelab:etcdBackup.schedule"],
    );
    assert.equal(
      stackPlan("homelab", (c) => {
        c.etcdBackup = { schedule: "@daily" };
      }).etcdBackup?.schedule,
      "@daily",
    );
  });
});
