// Parsing of talosctl output and the argument lists of the day-2 steps. The fixtures are real
// talosctl v1.12.1 output (captured against the Talos API stand-in, tests/standins/talos-api).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { batches, etcdMemberNames, etcdStatusHealthy, lastMark, serverTag, STDOUT_MARK, talosctlArgs } from "../../core/day2/talosctl";

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
const VERSION = "Client:\n\tTag:         v1.12.1\n\tSHA:         undefined\nServer:\n\tNODE:        talos-cp-02\n\tTag:         v1.11.5\n\tSHA:         standin\n";

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
    assert.deepEqual(talosctlArgs.upgrade("10.0.0.1", "f/i:v1.12.1"), ["-e", "10.0.0.1", "-n", "10.0.0.1", "upgrade", "--image", "f/i:v1.12.1", "--wait=false"]);
    assert.deepEqual(talosctlArgs.upgradeK8s("10.0.0.1", "v1.35.0"), ["-e", "10.0.0.1", "-n", "10.0.0.1", "upgrade-k8s", "--to", "1.35.0"]);
    assert.deepEqual(talosctlArgs.etcdSnapshot("10.0.0.1", "/x.db"), ["-e", "10.0.0.1", "-n", "10.0.0.1", "etcd", "snapshot", "/x.db"]);
  });
  it("batches keep plan order", () => {
    assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(batches([1, 2], 1), [[1], [2]]);
  });
});
