// Parsing of talosctl output and the argument lists of the day-2 steps. The fixtures are real
// talosctl v1.12.1 output (captured against the Talos API stand-in, tests/standins/talos-api).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  batches,
  etcdMemberNames,
  etcdStatusHealthy,
  lastMark,
  serverTag,
  STDOUT_MARK,
  talosctlArgs,
  talosReasons,
  upgradeHasLifecycleFlags,
  upgradeRefusal,
} from "../../core/day2/talosctl";

const MEMBERS = `NODE          ID                 HOSTNAME      PEER URLS                 CLIENT URLS               LEARNER
talos-cp-01   5a30ab21572cd620   talos-cp-01   https://127.0.0.41:2380   https://127.0.0.41:2379   false
talos-cp-01   5a30ae21572cdb39   talos-cp-02   https://127.0.0.42:2380   https://127.0.0.42:2379   false
`;
const STATUS_OK = `NODE          MEMBER             DB SIZE   IN USE            LEADER             RAFT INDEX   RAFT TERM   RAFT APPLIED INDEX   LEARNER   PROTOCOL   STORAGE   ERRORS
talos-cp-01   5a30ab21572cd620   1.0 MB    524 kB (50.00%)   5a30ab21572cd620   100          2           100                  false     3.6.0      3.6.0     
`;
const STATUS_ERR = `NODE          MEMBER             DB SIZE   IN USE            LEADER             RAFT INDEX   RAFT TERM   RAFT APPLIED INDEX   LEARNER   PROTOCOL   STORAGE   ERRORS
talos-cp-02   5a30ae21572cdb39   1.0 MB    524 kB (50.00%)   5a30ab21572cd620   100          2           100                  false     3.6.0      3.6.0     etcdserver: not yet joined after restart
`;
const VERSION =
  "Client:\n\tTag:         v1.12.1\n\tSHA:         undefined\nServer:\n\tNODE:        talos-cp-02\n\tTag:         v1.11.5\n\tSHA:         standin\n";

describe("talosctl output", () => {
  it("server tag, not the client's; none while the node is down", () => {
    assert.equal(serverTag(VERSION), "v1.11.5");
    assert.equal(serverTag("Client:\n\tTag:         v1.12.1\nServer:\nerror getting version: rpc error: code = Unavailable"), undefined);
  });
  it("etcd member hostnames and status errors", () => {
    assert.deepEqual(etcdMemberNames(MEMBERS), ["talos-cp-01", "talos-cp-02"]);
    assert.deepEqual(etcdMemberNames(""), []);
    assert.equal(etcdStatusHealthy(STATUS_OK), true);
    assert.equal(etcdStatusHealthy(STATUS_ERR), false);
    assert.equal(etcdStatusHealthy("error getting status: rpc error"), false);
  });
  it("marks from the previous run's stdout", () => {
    const out = `[t] checking\n${STDOUT_MARK.installed} img:v1.11.5\n[t] again\n${STDOUT_MARK.installed} img:v1.12.1\n`;
    assert.equal(lastMark(out, STDOUT_MARK.installed), "img:v1.12.1");
    assert.equal(lastMark(undefined, STDOUT_MARK.installed), undefined);
  });
});

describe("step arguments", () => {
  it("name the node as endpoint and target; upgrade does not wait inside talosctl; upgrade-k8s gets a bare version", () => {
    assert.deepEqual(talosctlArgs.upgrade("10.0.0.1", "f/i:v1.12.1"), [
      "-e",
      "10.0.0.1",
      "-n",
      "10.0.0.1",
      "upgrade",
      "--image",
      "f/i:v1.12.1",
      "--wait=false",
    ]);
    // talosctl 1.13 forces --wait while --drain is on (its default) and otherwise takes the LifecycleService path
    assert.deepEqual(talosctlArgs.upgrade("10.0.0.1", "f/i:v1.12.1", true), [
      "-e",
      "10.0.0.1",
      "-n",
      "10.0.0.1",
      "upgrade",
      "--image",
      "f/i:v1.12.1",
      "--legacy",
      "--drain=false",
      "--wait=false",
    ]);
    assert.deepEqual(talosctlArgs.upgradeK8s("10.0.0.1", "v1.35.0"), ["-e", "10.0.0.1", "-n", "10.0.0.1", "upgrade-k8s", "--to", "1.35.0"]);
    assert.deepEqual(talosctlArgs.etcdSnapshot("10.0.0.1", "/x.db"), ["-e", "10.0.0.1", "-n", "10.0.0.1", "etcd", "snapshot", "/x.db"]);
  });
  it("batches keep plan order", () => {
    assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(batches([1, 2], 1), [[1], [2]]);
  });
});

describe("talosctl upgrade: flags and refusals", () => {
  it("1.13's upgrade has --legacy and --drain, 1.12's neither", () => {
    assert.equal(
      upgradeHasLifecycleFlags(
        "      --drain                         drain the Kubernetes node before rebooting (cordon + evict pods) (default true)\n      --legacy                        force use of legacy upgrade method\n",
      ),
      true,
    );
    assert.equal(
      upgradeHasLifecycleFlags(
        "  -i, --image string         the container image to use for performing the install\n      --wait                  wait for the operation to complete\n",
      ),
      false,
    );
  });
  // what talosctl v1.12.1 printed against the stand-in (apid-style refusal inside the reply)
  const REFUSED =
    "error performing upgrade: 1 error occurred:\n\t* talos-cp-01: rpc error: code = Unknown desc = error validating etcd for upgrade: etcd member 5a30ab21572cd620 is not healthy; all members must be healthy to perform an upgrade\n\n";
  const ACKED =
    "NODE          ACK                        STARTED\ntalos-cp-01   Upgrade request received   2026-12-02 00:40:00.1 +0000 UTC m=+0.1\n";
  it("Talos's reason from talosctl's output", () => {
    assert.deepEqual(talosReasons(REFUSED), [
      "error validating etcd for upgrade: etcd member 5a30ab21572cd620 is not healthy; all members must be healthy to perform an upgrade",
    ]);
    assert.deepEqual(talosReasons(ACKED), []);
  });
  it("a zero exit is an accepted upgrade only with the node's ACK row and no node warning", () => {
    assert.equal(upgradeRefusal(ACKED), undefined);
    // talosctl's other warnings are no refusal: an older server (1.12.1 upgrading a 1.11 node), 1.13's notice for --legacy
    assert.equal(upgradeRefusal(`WARNING: talos-cp-01: server version 1.11.5 is older than client version 1.12.1\n${ACKED}`), undefined);
    assert.equal(
      upgradeRefusal(`WARNING: Forcing use of legacy upgrade method. This flag is deprecated and will be removed in Talos 1.18.\n${ACKED}`),
      undefined,
    );
    // what upgrade.go prints when a reply keeps a message beside the error (cli.Warning, exit 0)
    const warned =
      "WARNING: 1 error occurred:\n\t* talos-cp-01: rpc error: code = FailedPrecondition desc = failed to acquire upgrade mutex: locked\n\nNODE   ACK   STARTED\n";
    assert.equal(upgradeRefusal(warned), "failed to acquire upgrade mutex: locked");
    assert.match(upgradeRefusal("NODE   ACK   STARTED\n")!, /no acknowledgement/);
  });
});
