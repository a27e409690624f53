// HAProxy's health-check client certificate: issued from the cluster's Kubernetes CA (the test CA, and a
// real Talos secrets bundle from `talosctl gen secrets`), kept from run to run, renewed when due.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  HEALTH_CHECK_USER,
  healthCheckCert,
  issueHealthCheckCert,
  pem,
  RENEW_BEFORE_DAYS,
  renewalReason,
  VALIDITY_DAYS,
} from "../../core/haproxy/health-check-cert";
import { talosctlPath } from "../helpers/talos-standin";
import { TEST_KUBERNETES_CA } from "../helpers/test-kubernetes-ca";
import { tempDir } from "../helpers/tmp";

const DAY = 86_400_000;
const now = new Date("2027-03-01T12:00:00Z");

describe("health-check certificate", () => {
  it("is signed by the given CA, for the health-check user, valid for a year from now", async () => {
    const c = await issueHealthCheckCert(TEST_KUBERNETES_CA, now);
    const cert = new X509Certificate(c.cert);
    const ca = new X509Certificate(pem(TEST_KUBERNETES_CA.cert));
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.issuer, ca.subject);
    assert.equal(cert.subject, `CN=${HEALTH_CHECK_USER}`);
    assert.ok(Math.abs(Date.parse(cert.validTo) - (now.getTime() + VALIDITY_DAYS * DAY)) < 2000, cert.validTo);
    assert.ok(Date.parse(cert.validFrom) < now.getTime(), "valid from a little before now (clock skew)");
  });

  it("is kept while it is good, renewed inside its last days, for another CA, or when it does not match its key", async () => {
    const c = await issueHealthCheckCert(TEST_KUBERNETES_CA, now);
    assert.equal(renewalReason(c, TEST_KUBERNETES_CA.cert, new Date(now.getTime() + 100 * DAY)), undefined);
    assert.equal(
      await healthCheckCert(TEST_KUBERNETES_CA, c, new Date(now.getTime() + 100 * DAY)),
      c,
      "the same certificate: no change, no reload",
    );
    const late = new Date(now.getTime() + (VALIDITY_DAYS - RENEW_BEFORE_DAYS + 1) * DAY);
    assert.match(renewalReason(c, TEST_KUBERNETES_CA.cert, late) ?? "", /expires .* within 30 days/);
    const renewed = await healthCheckCert(TEST_KUBERNETES_CA, c, late);
    assert.notEqual(renewed.cert, c.cert);
    assert.equal(renewalReason(renewed, TEST_KUBERNETES_CA.cert, late), undefined);

    const other = await issueHealthCheckCert(TEST_KUBERNETES_CA, now);
    assert.match(renewalReason({ cert: c.cert, key: other.key }, TEST_KUBERNETES_CA.cert, now) ?? "", /key does not match/);
    assert.match(renewalReason(undefined, TEST_KUBERNETES_CA.cert, now) ?? "", /no certificate yet/);
    assert.match(renewalReason({ cert: "garbage", key: c.key }, TEST_KUBERNETES_CA.cert, now) ?? "", /does not parse/);
  });

  it("from a real Talos secrets bundle (talosctl gen secrets): signed by its Kubernetes CA, and a new CA means a new certificate", async () => {
    const dir = tempDir("talos-secrets");
    const bundle = (name: string) => {
      const file = path.join(dir, `${name}.yaml`);
      execFileSync(talosctlPath(), ["gen", "secrets", "-o", file], { stdio: "ignore" });
      const k8s = parse(fs.readFileSync(file, "utf8")).certs.k8s;
      // the Talos provider hands these over as the bundle holds them: base64-encoded PEM
      return { cert: k8s.crt as string, key: k8s.key as string };
    };
    const ca = bundle("a");
    const c = await issueHealthCheckCert(ca, now);
    assert.ok(new X509Certificate(c.cert).verify(new X509Certificate(pem(ca.cert)).publicKey));
    assert.equal(renewalReason(c, ca.cert, now), undefined);
    const rekeyed = bundle("b");
    assert.match(renewalReason(c, rekeyed.cert, now) ?? "", /not signed by this cluster's Kubernetes CA/);
  });
});
