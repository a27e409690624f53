// A preview from outside the homelab (core/kubernetes/outside.ts): when the program says so, and what.
// Under the real engine: tests/lifecycle/whole-program.test.ts (l).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outsidePreviewAdvice, previewFromOutside } from "../../core/kubernetes/outside";

describe("a preview from outside the homelab", () => {
  it("is declared (HOMELAB_SKIP_NODE_PROBE=1) or seen (nodes asked, none answered); one answer or no question is not outside", () => {
    assert.equal(previewFromOutside(true, 0, 0), true);
    assert.equal(previewFromOutside(false, 5, 0), true);
    assert.equal(previewFromOutside(false, 5, 1), false, "one node answered: inside, the others may be down");
    assert.equal(previewFromOutside(false, 0, 0), false, "no talosctl, nothing asked: unknown, no warning");
  });

  it("names the API it cannot reach, what is not checked, and what shortens the Kubernetes provider's wait", () => {
    const unset = outsidePreviewAdvice("https://192.168.0.200:6443", false, undefined);
    assert.match(unset, /^no node answered: this preview runs outside the homelab\./);
    assert.match(unset, /cluster's API \(https:\/\/192\.168\.0\.200:6443\)/);
    assert.match(unset, /set PULUMI_K8S_CLIENT_TIMEOUT=5 \(seconds\)/);
    assert.match(unset, /`pulumi up` needs a machine inside the network\.$/);
    const set = outsidePreviewAdvice("https://k8s.home.arpa:6443", true, "5");
    assert.match(set, /^HOMELAB_SKIP_NODE_PROBE=1: this preview runs outside the homelab\./);
    assert.match(set, /each of its requests gives up after 5 s \(PULUMI_K8S_CLIENT_TIMEOUT\)/);
    assert.doesNotMatch(set, /set PULUMI_K8S_CLIENT_TIMEOUT/);
  });
});
