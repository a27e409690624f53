// pulumi-resource-talos stand-in that really creates (lifecycle tier only). The real
// pulumi-talos 0.8.1 plugin (terraform-provider-talos v0.11.0 under the Terraform bridge) cannot be
// built here, so this one serves the same tokens and property names (sdks/talos/schema.json) and
// follows what terraform-provider-talos v0.11.0 does in each call (pkg/talos/*_resource.go, util.go),
// built on the same Talos machinery release the provider pins (v1.13.0):
//   - machine/secrets:Secrets: a real secrets bundle (secrets.NewBundle) and an admin client
//     certificate; update keeps the bundle; a lowered talosVersion replaces it (the provider's plan
//     modifier), delete does nothing.
//   - machine/getConfiguration: real generate + configpatcher (bundle.NewBundle), talos_version as
//     the version contract, docs/examples as comment flags (both off unless set, as the provider).
//   - client/getConfiguration: a talosconfig (clientconfig.NewConfig) with endpoints and nodes.
//   - machine/configurationApply:ConfigurationApply: patches applied with configpatcher; the node is
//     reached as talosClientOp does (an insecure client asks Disks first: a node in maintenance mode
//     answers and gets the config without client certificates, else mutual TLS with the client
//     configuration), retried until the timeout unless Talos answers InvalidArgument;
//     staged_if_needing_reboot resolves with a dry run (AUTO) to staged or auto; delete resets the
//     node when on_destroy.reset (graceful, reboot as given; STATE and EPHEMERAL wiped).
//   - machine/bootstrap:Bootstrap: one Bootstrap call at create; update and delete call nothing.
//   - cluster/kubeconfig:Kubeconfig: the node's kubeconfig (Kubeconfig RPC); update fetches it again
//     only when its client certificate expires within certificate_renewal_duration.
//   - cluster/getHealth: asks the nodes (see health below).
//   - imageFactory/schematic:Schematic: the ID the factory gives (sha256 of the schematic decoded into
//     the factory's struct and re-encoded with yaml.v3), without a factory.
//
// Every call is journalled (JSONL, $TALOS_PROVIDER_STANDIN_JOURNAL): check (failing properties), diff
// (changed inputs, replacing ones), create/update (and their -preview forms), read, delete, invoke, and
// what was done on which node (dry-run, apply, bootstrap, kubeconfig, reset-done); never a value.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	stdx509 "crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/siderolabs/crypto/x509"
	"github.com/siderolabs/talos/pkg/machinery/api/common"
	machineapi "github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/api/storage"
	clientconfig "github.com/siderolabs/talos/pkg/machinery/client/config"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/bundle"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/siderolabs/talos/pkg/machinery/gendata"
	"github.com/siderolabs/talos/pkg/machinery/role"
	"golang.org/x/mod/semver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"gopkg.in/yaml.v3"
)

const (
	tSecrets   = "talos:machine/secrets:Secrets"
	tApply     = "talos:machine/configurationApply:ConfigurationApply"
	tBootstrap = "talos:machine/bootstrap:Bootstrap"
	tKubecfg   = "talos:cluster/kubeconfig:Kubeconfig"
	tSchematic = "talos:imageFactory/schematic:Schematic"
	fMachCfg   = "talos:machine/getConfiguration:getConfiguration"
	fClientCfg = "talos:client/getConfiguration:getConfiguration"
	fHealth    = "talos:cluster/getHealth:getHealth"
	fKubecfg   = "talos:cluster/getKubeconfig:getKubeconfig"
)

type prov struct {
	pulumirpc.UnimplementedResourceProviderServer
	jmu     sync.Mutex
	journal *os.File
	// the provider's timeouts (10 minutes by default) capped, so a test fails in seconds, not minutes
	maxWait time.Duration
	retry   time.Duration
}

func main() {
	p := &prov{maxWait: 10 * time.Minute, retry: time.Second}
	if f := os.Getenv("TALOS_PROVIDER_STANDIN_JOURNAL"); f != "" {
		j, err := os.OpenFile(f, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		p.journal = j
	}
	if d, err := time.ParseDuration(os.Getenv("TALOS_PROVIDER_STANDIN_MAX_WAIT")); err == nil {
		p.maxWait = d
	}
	if d, err := time.ParseDuration(os.Getenv("TALOS_PROVIDER_STANDIN_RETRY")); err == nil {
		p.retry = d
	}
	if err := provider.Main("talos", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) { return p, nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// record appends one journal line: names and what happened, never a secret value.
func (p *prov) record(call, tok, name string, fields map[string]any) {
	if p.journal == nil {
		return
	}
	e := map[string]any{"t": time.Now().UnixMilli(), "call": call, "type": shortType(tok), "name": name}
	for k, v := range fields {
		e[k] = v
	}
	b, _ := json.Marshal(e)
	p.jmu.Lock()
	defer p.jmu.Unlock()
	p.journal.Write(append(b, '\n'))
}

func shortType(tok string) string { return tok[strings.LastIndex(tok, ":")+1:] }

// --- property plumbing ---

var plain = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: false, SkipNulls: true}

// props gives the inputs as plain Go values (secrets unwrapped) and whether any is unknown.
func props(st *structpb.Struct) (map[string]any, bool, error) {
	m, err := plugin.UnmarshalProperties(st, plain)
	if err != nil {
		return nil, false, err
	}
	return m.MapRepl(nil, nil), m.ContainsUnknowns(), nil
}

// secretKeys are the outputs the provider's schema marks sensitive (the bridge makes them secret).
var secretKeys = map[string][]string{
	tSecrets:   {"machineSecrets", "clientConfiguration"},
	tApply:     {"machineConfiguration", "machineConfigurationInput", "clientConfiguration"},
	tBootstrap: {"clientConfiguration"},
	tKubecfg:   {"kubeconfigRaw", "kubernetesClientConfiguration", "clientConfiguration"},
	fMachCfg:   {"machineConfiguration", "machineSecrets"},
	fClientCfg: {"talosConfig", "clientConfiguration"},
	fKubecfg:   {"kubeconfigRaw", "kubernetesClientConfiguration", "clientConfiguration"},
	fHealth:    {"clientConfiguration"},
}

// outputs marshals plain values; unknown lists names left unknown (a preview that cannot know them).
func outputs(tok string, m map[string]any, unknown ...string) (*structpb.Struct, error) {
	pm := resource.NewPropertyMapFromMap(m)
	for _, k := range unknown {
		pm[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
	}
	for _, k := range secretKeys[tok] {
		if v, ok := pm[resource.PropertyKey(k)]; ok && !v.IsComputed() {
			pm[resource.PropertyKey(k)] = resource.MakeSecret(v)
		}
	}
	return plugin.MarshalProperties(pm, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }
func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	if o == nil {
		o = map[string]any{}
	}
	return o
}
func strs(m map[string]any, k string) []string {
	var out []string
	if l, ok := m[k].([]any); ok {
		for _, v := range l {
			s, _ := v.(string)
			out = append(out, s)
		}
	}
	return out
}
func boolOr(m map[string]any, k string, def bool) bool {
	if b, ok := m[k].(bool); ok {
		return b
	}
	return def
}
func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
func b64(b []byte) string            { return base64.StdEncoding.EncodeToString(b) }
func unb64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// --- provider protocol ---

func (p *prov) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.8.1"}, nil
}
func (p *prov) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return nil, status.Error(codes.Unimplemented, "the talos provider stand-in carries no schema: the program uses the generated SDK (sdks/talos)")
}
func (p *prov) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}
func (p *prov) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}
func (p *prov) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}
func (p *prov) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *prov) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	tok := string(resource.URN(req.GetUrn()).Type())
	news, unknown, err := props(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason + " [talos provider stand-in]"})
	}
	switch tok {
	case tSecrets:
		if v := str(news, "talosVersion"); v != "" {
			if _, err := config.ParseContractFromVersion(v); err != nil {
				fail("talosVersion", err.Error())
			}
		}
	case tApply:
		if !unknown {
			if _, ok := news["machineConfigurationInput"]; !ok {
				fail("machineConfigurationInput", "Exactly one of machine_configuration_input or machine_configuration_input_wo must be set")
			}
			if _, ok := news["clientConfiguration"]; !ok {
				fail("clientConfiguration", "Exactly one of client_configuration or client_configuration_wo must be set")
			}
			if m := str(news, "applyMode"); m != "" && !oneOf(m, "auto", "reboot", "no_reboot", "staged", "staged_if_needing_reboot") {
				fail("applyMode", fmt.Sprintf("value must be one of: auto, reboot, no_reboot, staged, staged_if_needing_reboot, got %q", m))
			}
			if _, err := configpatcher.LoadPatches(strs(news, "configPatches")); err != nil {
				fail("configPatches", err.Error())
			}
		}
	case tBootstrap, tKubecfg, tSchematic:
	default:
		return nil, fmt.Errorf("talos provider stand-in: %s is not served", tok)
	}
	var reasons []string
	for _, f := range failures {
		reasons = append(reasons, f.Property)
	}
	p.record("check", tok, resource.URN(req.GetUrn()).Name(), map[string]any{"failures": reasons})
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func oneOf(s string, opts ...string) bool {
	for _, o := range opts {
		if s == o {
			return true
		}
	}
	return false
}

// Diff: no input of these resources is RequiresReplace in terraform-provider-talos v0.11.0, except
// that the secrets' plan modifier replaces them when talos_version is lowered.
func (p *prov) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	tok := string(resource.URN(req.GetUrn()).Type())
	oldSt := req.GetOldInputs()
	if oldSt == nil {
		oldSt = req.GetOlds()
	}
	olds, _, err := props(oldSt)
	if err != nil {
		return nil, err
	}
	newsPM, err := plugin.UnmarshalProperties(req.GetNews(), plain)
	if err != nil {
		return nil, err
	}
	news := newsPM.MapRepl(nil, nil)
	var changed, replace []string
	keys := map[string]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for k := range keys {
		if strings.HasPrefix(k, "__") {
			continue
		}
		if v, ok := newsPM[resource.PropertyKey(k)]; ok && v.ContainsUnknowns() {
			changed = append(changed, k)
			continue
		}
		if !reflect.DeepEqual(olds[k], news[k]) {
			changed = append(changed, k)
		}
	}
	if tok == tSecrets {
		o, n := "v"+strings.TrimPrefix(str(olds, "talosVersion"), "v"), "v"+strings.TrimPrefix(str(news, "talosVersion"), "v")
		if str(olds, "talosVersion") != "" && str(news, "talosVersion") != "" && semver.Compare(n, o) < 0 {
			replace = append(replace, "talosVersion")
		}
	}
	sort.Strings(changed)
	p.record("diff", tok, resource.URN(req.GetUrn()).Name(), map[string]any{"changed": changed, "replaces": replace})
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, k := range changed {
		kind := pulumirpc.PropertyDiff_UPDATE
		if oneOf(k, replace...) {
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
		}
		detailed[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: replace,
		DetailedDiff: detailed, HasDetailedDiff: true, DeleteBeforeReplace: false}, nil
}

func (p *prov) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	urn := resource.URN(req.GetUrn())
	tok, name := string(urn.Type()), urn.Name()
	ins, unknown, err := props(req.GetProperties())
	if err != nil {
		return nil, err
	}
	preview := req.GetPreview()
	if preview {
		p.record("create-preview", tok, name, nil)
	} else {
		p.record("create", tok, name, nil)
	}
	var out map[string]any
	var id string
	var later []string
	switch tok {
	case tSecrets:
		id, out, later, err = p.createSecrets(ins, preview)
	case tApply:
		id, out, later, err = p.applyConfig(ctx, name, ins, nil, unknown, preview)
	case tBootstrap:
		id, out, later, err = p.bootstrap(ctx, name, ins, unknown, preview)
	case tKubecfg:
		id, out, later, err = p.kubeconfig(ctx, name, ins, nil, unknown, preview)
	case tSchematic:
		id, out, later, err = p.schematic(ins, unknown)
	default:
		err = fmt.Errorf("talos provider stand-in: %s is not served", tok)
	}
	if err != nil {
		if !preview {
			p.record("create-failed", tok, name, map[string]any{"error": err.Error()})
		}
		return nil, err
	}
	st, err := outputs(tok, out, later...)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: st}, nil
}

func (p *prov) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn := resource.URN(req.GetUrn())
	tok, name := string(urn.Type()), urn.Name()
	ins, unknown, err := props(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, _, err := props(req.GetOlds())
	if err != nil {
		return nil, err
	}
	preview := req.GetPreview()
	if preview {
		p.record("update-preview", tok, name, nil)
	} else {
		p.record("update", tok, name, nil)
	}
	var out map[string]any
	var later []string
	switch tok {
	case tSecrets:
		// the provider keeps the bundle; it renews only the client certificate when it expires within a month
		out = copyMap(olds)
		if v, ok := ins["talosVersion"]; ok {
			out["talosVersion"] = v
		}
	case tApply:
		_, out, later, err = p.applyConfig(ctx, name, ins, olds, unknown, preview)
	case tBootstrap:
		// the provider's Update stores the plan and calls nothing
		out = copyMap(ins)
		if str(out, "endpoint") == "" {
			out["endpoint"] = str(ins, "node")
		}
	case tKubecfg:
		_, out, later, err = p.kubeconfig(ctx, name, ins, olds, unknown, preview)
	case tSchematic:
		_, out, later, err = p.schematic(ins, unknown)
	default:
		err = fmt.Errorf("talos provider stand-in: %s is not served", tok)
	}
	if err != nil {
		if !preview {
			p.record("update-failed", tok, name, map[string]any{"error": err.Error()})
		}
		return nil, err
	}
	st, err := outputs(tok, out, later...)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: st}, nil
}

// Read: the provider's Read of every one of these resources does nothing, so a refresh keeps the state.
func (p *prov) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	urn := resource.URN(req.GetUrn())
	p.record("read", string(urn.Type()), urn.Name(), nil)
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *prov) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	urn := resource.URN(req.GetUrn())
	tok, name := string(urn.Type()), urn.Name()
	st, _, err := props(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if tok != tApply {
		p.record("delete", tok, name, nil) // a no-op in the provider
		return &emptypb.Empty{}, nil
	}
	od := obj(st, "onDestroy")
	if !boolOr(od, "reset", false) {
		p.record("delete", tok, name, map[string]any{"reset": false})
		return &emptypb.Empty{}, nil
	}
	graceful, reboot := boolOr(od, "graceful", true), boolOr(od, "reboot", false)
	node, endpoint := str(st, "node"), endpointOf(st)
	p.record("delete", tok, name, map[string]any{"reset": true, "graceful": graceful, "reboot": reboot, "node": node})
	cc := obj(st, "clientConfiguration")
	err = p.talosOp(ctx, endpoint, node, cc, p.maxWait, func(ctx context.Context, c *grpc.ClientConn, maintenance bool) error {
		_, err := machineapi.NewMachineServiceClient(c).Reset(ctx, &machineapi.ResetRequest{
			Graceful: graceful, Reboot: reboot,
			SystemPartitionsToWipe: []*machineapi.ResetPartitionSpec{{Label: "STATE", Wipe: true}, {Label: "EPHEMERAL", Wipe: true}},
		})
		return err
	})
	if err == nil {
		// the provider's action tracker waits for the reset sequence to stop the node's services; here: until
		// the node no longer answers with the cluster's credentials
		err = p.waitGone(ctx, endpoint, node, cc)
	}
	if err != nil {
		p.record("delete-failed", tok, name, map[string]any{"node": node, "error": err.Error()})
		return nil, fmt.Errorf("Error resetting machine: %w", err)
	}
	p.record("reset-done", tok, name, map[string]any{"node": node})
	return &emptypb.Empty{}, nil
}

func endpointOf(m map[string]any) string {
	if e := str(m, "endpoint"); e != "" {
		return e
	}
	return str(m, "node")
}

// --- Secrets ---

func (p *prov) createSecrets(ins map[string]any, preview bool) (string, map[string]any, []string, error) {
	out := copyMap(ins)
	if str(ins, "talosVersion") == "" {
		out["talosVersion"] = semver.MajorMinor(gendata.VersionTag)
	}
	if preview {
		return "", out, []string{"machineSecrets", "clientConfiguration"}, nil
	}
	contract, err := config.ParseContractFromVersion(str(out, "talosVersion"))
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to validate talos version: %w", err)
	}
	b, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract)
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to generate secrets bundle: %w", err)
	}
	pair := func(c *x509.PEMEncodedCertificateAndKey) map[string]any {
		return map[string]any{"cert": b64(c.Crt), "key": b64(c.Key)}
	}
	certs := map[string]any{"etcd": pair(b.Certs.Etcd), "k8s": pair(b.Certs.K8s), "os": pair(b.Certs.OS),
		"k8sServiceaccount": map[string]any{"key": b64(b.Certs.K8sServiceAccount.Key)}}
	if b.Certs.K8sAggregator != nil && b.Certs.K8sAggregator.Crt != nil {
		certs["k8sAggregator"] = pair(b.Certs.K8sAggregator)
	}
	ks := map[string]any{"bootstrapToken": b.Secrets.BootstrapToken, "secretboxEncryptionSecret": b.Secrets.SecretboxEncryptionSecret}
	if b.Secrets.AESCBCEncryptionSecret != "" {
		ks["aescbcEncryptionSecret"] = b.Secrets.AESCBCEncryptionSecret
	}
	out["machineSecrets"] = map[string]any{
		"cluster":    map[string]any{"id": b.Cluster.ID, "secret": b.Cluster.Secret},
		"secrets":    ks,
		"trustdinfo": map[string]any{"token": b.TrustdInfo.Token},
		"certs":      certs,
	}
	client, err := b.GenerateTalosAPIClientCertificateWithTTL(role.MakeSet(role.Admin), constants.TalosAPIDefaultCertificateValidityDuration)
	if err != nil {
		return "", nil, nil, err
	}
	out["clientConfiguration"] = map[string]any{"caCertificate": b64(b.Certs.OS.Crt), "clientCertificate": b64(client.Crt), "clientKey": b64(client.Key)}
	return "machine_secrets", out, nil, nil
}

// bundleOf rebuilds a secrets bundle from the machine_secrets shape (machineSecretsCertsToSecretsBundleCerts).
func bundleOf(ms map[string]any) (*secrets.Bundle, error) {
	certs := obj(ms, "certs")
	pair := func(k string) (*x509.PEMEncodedCertificateAndKey, error) {
		c := obj(certs, k)
		if str(c, "cert") == "" {
			return nil, nil
		}
		crt, err := unb64(str(c, "cert"))
		if err != nil {
			return nil, err
		}
		key, err := unb64(str(c, "key"))
		return &x509.PEMEncodedCertificateAndKey{Crt: crt, Key: key}, err
	}
	b := &secrets.Bundle{
		Clock:      secrets.NewFixedClock(time.Now()),
		Cluster:    &secrets.Cluster{ID: str(obj(ms, "cluster"), "id"), Secret: str(obj(ms, "cluster"), "secret")},
		Secrets:    &secrets.Secrets{BootstrapToken: str(obj(ms, "secrets"), "bootstrapToken"), SecretboxEncryptionSecret: str(obj(ms, "secrets"), "secretboxEncryptionSecret"), AESCBCEncryptionSecret: str(obj(ms, "secrets"), "aescbcEncryptionSecret")},
		TrustdInfo: &secrets.TrustdInfo{Token: str(obj(ms, "trustdinfo"), "token")},
		Certs:      &secrets.Certs{},
	}
	var err error
	if b.Certs.Etcd, err = pair("etcd"); err != nil {
		return nil, err
	}
	if b.Certs.K8s, err = pair("k8s"); err != nil {
		return nil, err
	}
	if b.Certs.K8sAggregator, err = pair("k8sAggregator"); err != nil {
		return nil, err
	}
	if b.Certs.OS, err = pair("os"); err != nil {
		return nil, err
	}
	sa, err := unb64(str(obj(certs, "k8sServiceaccount"), "key"))
	if err != nil {
		return nil, err
	}
	b.Certs.K8sServiceAccount = &x509.PEMEncodedKey{Key: sa}
	return b, nil
}

// --- machine configuration data source ---

func machineConfiguration(args map[string]any) (map[string]any, error) {
	out := copyMap(args)
	if str(args, "kubernetesVersion") == "" {
		out["kubernetesVersion"] = constants.DefaultKubernetesVersion
	}
	if str(args, "talosVersion") == "" {
		out["talosVersion"] = semver.MajorMinor(gendata.VersionTag)
	}
	var mt machine.Type
	switch str(args, "machineType") {
	case "controlplane":
		mt = machine.TypeControlPlane
	case "worker":
		mt = machine.TypeWorker
	default:
		return nil, fmt.Errorf("machine_type must be controlplane or worker, got %q", str(args, "machineType"))
	}
	b, err := bundleOf(obj(args, "machineSecrets"))
	if err != nil {
		return nil, fmt.Errorf("failed to convert machine secrets certs to secrets bundle certs: %w", err)
	}
	contract, err := config.ParseContractFromVersion(str(out, "talosVersion"))
	if err != nil {
		return nil, err
	}
	gen := []generate.Option{
		generate.WithClusterDiscovery(true),
		generate.WithDNSDomain(constants.DefaultDNSDomain),
		generate.WithInstallDisk("/dev/sda"),
		generate.WithInstallImage(fmt.Sprintf("%s/%s/installer:%s", gendata.ImagesRegistry, gendata.ImagesUsername, gendata.VersionTag)),
		generate.WithSecretsBundle(b),
		generate.WithVersionContract(contract),
	}
	comments := encoder.CommentsDisabled
	if boolOr(args, "docs", false) {
		comments |= encoder.CommentsDocs
	}
	if boolOr(args, "examples", false) {
		comments |= encoder.CommentsExamples
	}
	patches, err := configpatcher.LoadPatches(strs(args, "configPatches"))
	if err != nil {
		return nil, fmt.Errorf("error parsing config patch: %w", err)
	}
	opts := []bundle.Option{
		bundle.WithInputOptions(&bundle.InputOptions{ClusterName: str(args, "clusterName"), Endpoint: str(args, "clusterEndpoint"),
			KubeVersion: strings.TrimPrefix(str(out, "kubernetesVersion"), "v"), GenOptions: gen}),
		bundle.WithVerbose(false),
	}
	if mt == machine.TypeControlPlane {
		opts = append(opts, bundle.WithPatchControlPlane(patches))
	} else {
		opts = append(opts, bundle.WithPatchWorker(patches))
	}
	cb, err := bundle.NewBundle(opts...)
	if err != nil {
		return nil, err
	}
	bytes, err := cb.Serialize(comments, mt)
	if err != nil {
		return nil, err
	}
	out["machineConfiguration"] = string(bytes)
	out["id"] = str(args, "clusterName")
	return out, nil
}

// --- ConfigurationApply ---

// render applies the config patches to the input config (the provider's ModifyPlan).
func render(ins map[string]any) ([]byte, error) {
	patches, err := configpatcher.LoadPatches(strs(ins, "configPatches"))
	if err != nil {
		return nil, fmt.Errorf("Error loading config patches: %w", err)
	}
	cfg, err := configpatcher.Apply(configpatcher.WithBytes([]byte(str(ins, "machineConfigurationInput"))), patches)
	if err != nil {
		return nil, fmt.Errorf("Error applying config patches: %w", err)
	}
	return cfg.Bytes()
}

var modeOf = map[string]machineapi.ApplyConfigurationRequest_Mode{
	"auto": machineapi.ApplyConfigurationRequest_AUTO, "reboot": machineapi.ApplyConfigurationRequest_REBOOT,
	"no_reboot": machineapi.ApplyConfigurationRequest_NO_REBOOT, "staged": machineapi.ApplyConfigurationRequest_STAGED,
	"try": machineapi.ApplyConfigurationRequest_TRY,
}

func (p *prov) applyConfig(ctx context.Context, name string, ins, olds map[string]any, unknown, preview bool) (string, map[string]any, []string, error) {
	out := copyMap(ins)
	if str(out, "applyMode") == "" {
		out["applyMode"] = "auto"
	}
	if str(out, "endpoint") == "" && str(ins, "node") != "" {
		out["endpoint"] = str(ins, "node")
	}
	if od, ok := ins["onDestroy"].(map[string]any); ok {
		out["onDestroy"] = map[string]any{"reset": boolOr(od, "reset", false), "graceful": boolOr(od, "graceful", true), "reboot": boolOr(od, "reboot", false)}
	}
	if unknown {
		return "", out, []string{"machineConfiguration", "machineConfigurationHash", "resolvedApplyMode"}, nil
	}
	cfg, err := render(ins)
	if err != nil {
		return "", nil, nil, err
	}
	sum := sha256.Sum256(cfg)
	out["machineConfiguration"] = string(cfg)
	out["machineConfigurationHash"] = hex.EncodeToString(sum[:])
	node, endpoint := str(ins, "node"), str(out, "endpoint")
	cc := obj(ins, "clientConfiguration")
	mode := str(out, "applyMode")
	// handleRebootPrevention: only staged_if_needing_reboot asks the node (a dry run with AUTO), and not
	// when the rendered config equals the one in the state (the resolved mode is kept)
	if mode == "staged_if_needing_reboot" {
		if olds != nil && str(olds, "machineConfiguration") == string(cfg) && str(olds, "resolvedApplyMode") != "" {
			mode = str(olds, "resolvedApplyMode")
		} else {
			var needsReboot bool
			err := p.talosOp(ctx, endpoint, node, cc, 0, func(ctx context.Context, c *grpc.ClientConn, maintenance bool) error {
				r, err := machineapi.NewMachineServiceClient(c).ApplyConfiguration(ctx, &machineapi.ApplyConfigurationRequest{Mode: machineapi.ApplyConfigurationRequest_AUTO, Data: cfg, DryRun: true})
				if err != nil {
					return err
				}
				if len(r.Messages) > 0 {
					needsReboot = r.Messages[0].Mode == machineapi.ApplyConfigurationRequest_REBOOT
				}
				return nil
			})
			p.record("dry-run", tApply, name, map[string]any{"node": node, "needsReboot": needsReboot, "preview": preview, "error": errString(err)})
			switch {
			case err != nil:
				mode = "auto" // the provider warns "Cannot check reboot requirement" and uses auto
			case needsReboot:
				mode = "staged"
			default:
				mode = "auto"
			}
		}
	}
	out["resolvedApplyMode"] = mode
	if preview {
		return "", out, nil, nil
	}
	var usedMaintenance bool
	var resolved string
	err = p.talosOp(ctx, endpoint, node, cc, p.maxWait, func(ctx context.Context, c *grpc.ClientConn, maintenance bool) error {
		usedMaintenance = maintenance
		r, err := machineapi.NewMachineServiceClient(c).ApplyConfiguration(ctx, &machineapi.ApplyConfigurationRequest{Mode: modeOf[mode], Data: cfg})
		if err == nil && len(r.Messages) > 0 {
			resolved = r.Messages[0].Mode.String()
		}
		return err
	})
	p.record("apply", tApply, name, map[string]any{"node": node, "mode": mode, "maintenance": usedMaintenance, "nodeMode": resolved,
		"configSha256": out["machineConfigurationHash"], "error": errString(err)})
	if err != nil {
		return "", nil, nil, fmt.Errorf("Error applying configuration: %w", err)
	}
	return "machine_configuration_apply", out, nil, nil
}

func errString(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

// --- talking to a node (talosClientOp) ---

func clientTLS(cc map[string]any) (*tls.Config, error) {
	ca, err := unb64(str(cc, "caCertificate"))
	if err != nil {
		return nil, err
	}
	crt, err := unb64(str(cc, "clientCertificate"))
	if err != nil {
		return nil, err
	}
	key, err := unb64(str(cc, "clientKey"))
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	pool := stdx509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("the client configuration's CA certificate is not PEM")
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func dial(endpoint string, t *tls.Config) (*grpc.ClientConn, error) {
	return grpc.NewClient(net.JoinHostPort(endpoint, "50000"), grpc.WithTransportCredentials(credentials.NewTLS(t)))
}

// talosOp runs op against the node as talosClientOp does, retried as the resources' retry loops do
// (every error but InvalidArgument) for up to wait; wait 0 means one attempt.
func (p *prov) talosOp(ctx context.Context, endpoint, node string, cc map[string]any, wait time.Duration, op func(context.Context, *grpc.ClientConn, bool) error) error {
	deadline := time.Now().Add(wait)
	for {
		err := p.talosOpOnce(ctx, endpoint, node, cc, op)
		if err == nil || status.Code(err) == codes.InvalidArgument || time.Now().After(deadline) {
			return err
		}
		time.Sleep(p.retry)
	}
}

func (p *prov) talosOpOnce(ctx context.Context, endpoint, node string, cc map[string]any, op func(context.Context, *grpc.ClientConn, bool) error) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	nodeCtx := metadata.AppendToOutgoingContext(ctx, "node", node)
	insecure, err := dial(endpoint, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return err
	}
	if _, err := storage.NewStorageServiceClient(insecure).Disks(nodeCtx, &emptypb.Empty{}); err == nil {
		defer insecure.Close()
		return op(nodeCtx, insecure, true)
	}
	insecure.Close()
	t, err := clientTLS(cc)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	c, err := dial(endpoint, t)
	if err != nil {
		return err
	}
	defer c.Close()
	return op(nodeCtx, c, false)
}

// waitGone waits until the node stops answering with the cluster's credentials (reset done: halted,
// rebooting or back in maintenance mode).
func (p *prov) waitGone(ctx context.Context, endpoint, node string, cc map[string]any) error {
	t, err := clientTLS(cc)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(p.maxWait)
	for time.Now().Before(deadline) {
		c, err := dial(endpoint, t)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "node", node), 5*time.Second)
		_, err = machineapi.NewMachineServiceClient(c).Version(cctx, &emptypb.Empty{})
		cancel()
		c.Close()
		if err != nil {
			return nil
		}
		time.Sleep(p.retry / 4)
	}
	return errors.New("the node still answers after its reset")
}

// --- Bootstrap ---

func (p *prov) bootstrap(ctx context.Context, name string, ins map[string]any, unknown, preview bool) (string, map[string]any, []string, error) {
	out := copyMap(ins)
	if str(out, "endpoint") == "" && str(ins, "node") != "" {
		out["endpoint"] = str(ins, "node")
	}
	if preview || unknown {
		return "", out, nil, nil
	}
	node := str(ins, "node")
	err := p.talosOp(ctx, endpointOf(out), node, obj(ins, "clientConfiguration"), p.maxWait, func(ctx context.Context, c *grpc.ClientConn, _ bool) error {
		_, err := machineapi.NewMachineServiceClient(c).Bootstrap(ctx, &machineapi.BootstrapRequest{})
		return err
	})
	p.record("bootstrap", tBootstrap, name, map[string]any{"node": node, "error": errString(err)})
	if err != nil {
		return "", nil, nil, fmt.Errorf("Error bootstrapping node: %w", err)
	}
	return "machine_bootstrap", out, nil, nil
}

// --- Kubeconfig ---

func (p *prov) fetchKubeconfig(ctx context.Context, endpoint, node string, cc map[string]any, wait time.Duration) ([]byte, error) {
	var raw []byte
	err := p.talosOp(ctx, endpoint, node, cc, wait, func(ctx context.Context, c *grpc.ClientConn, _ bool) error {
		stream, err := machineapi.NewMachineServiceClient(c).Kubeconfig(ctx, &emptypb.Empty{})
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		for {
			d, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			buf.Write(d.Bytes)
		}
		gz, err := gzip.NewReader(&buf)
		if err != nil {
			return err
		}
		tr := tar.NewReader(gz)
		if _, err := tr.Next(); err != nil {
			return err
		}
		raw, err = io.ReadAll(tr)
		return err
	})
	return raw, err
}

type kubeconfigDoc struct {
	Clusters []struct {
		Cluster struct {
			Server string `yaml:"server"`
			CA     string `yaml:"certificate-authority-data"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		User struct {
			Cert string `yaml:"client-certificate-data"`
			Key  string `yaml:"client-key-data"`
		} `yaml:"user"`
	} `yaml:"users"`
}

func parseKubeconfig(raw []byte) (kubeconfigDoc, map[string]any, error) {
	var k kubeconfigDoc
	if err := yaml.Unmarshal(raw, &k); err != nil || len(k.Clusters) == 0 || len(k.Users) == 0 {
		return k, nil, fmt.Errorf("the node's kubeconfig cannot be read: %v", err)
	}
	return k, map[string]any{"host": k.Clusters[0].Cluster.Server, "caCertificate": k.Clusters[0].Cluster.CA,
		"clientCertificate": k.Users[0].User.Cert, "clientKey": k.Users[0].User.Key}, nil
}

func (p *prov) kubeconfig(ctx context.Context, name string, ins, olds map[string]any, unknown, preview bool) (string, map[string]any, []string, error) {
	out := copyMap(ins)
	if str(out, "endpoint") == "" && str(ins, "node") != "" {
		out["endpoint"] = str(ins, "node")
	}
	if str(out, "certificateRenewalDuration") == "" {
		out["certificateRenewalDuration"] = "720h"
	}
	if olds != nil && str(olds, "kubeconfigRaw") != "" {
		renew, _ := time.ParseDuration(str(out, "certificateRenewalDuration"))
		if !expiresWithin(str(obj(olds, "kubernetesClientConfiguration"), "clientCertificate"), renew) {
			out["kubeconfigRaw"], out["kubernetesClientConfiguration"] = olds["kubeconfigRaw"], olds["kubernetesClientConfiguration"]
			return "kubeconfig", out, nil, nil
		}
	}
	if preview || unknown {
		return "", out, []string{"kubeconfigRaw", "kubernetesClientConfiguration"}, nil
	}
	node := str(ins, "node")
	raw, err := p.fetchKubeconfig(ctx, endpointOf(out), node, obj(ins, "clientConfiguration"), p.maxWait)
	p.record("kubeconfig", tKubecfg, name, map[string]any{"node": node, "error": errString(err)})
	if err != nil {
		return "", nil, nil, fmt.Errorf("failed to retrieve kubeconfig: %w", err)
	}
	_, kcc, err := parseKubeconfig(raw)
	if err != nil {
		return "", nil, nil, err
	}
	out["kubeconfigRaw"], out["kubernetesClientConfiguration"] = string(raw), kcc
	return "kubeconfig", out, nil, nil
}

func expiresWithin(certB64 string, d time.Duration) bool {
	b, err := unb64(certB64)
	if err != nil {
		return true
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return true
	}
	c, err := stdx509.ParseCertificate(blk.Bytes)
	return err != nil || c.NotAfter.Before(time.Now().Add(d))
}

// --- Schematic ---

// factorySchematic is the Image Factory's Schematic struct (siderolabs/image-factory pkg/schematic):
// the factory decodes the posted YAML into it (unknown fields refused) and the ID is the sha256 of
// its yaml.v3 encoding.
type factorySchematic struct {
	Overlay struct {
		Image   string         `yaml:"image"`
		Name    string         `yaml:"name"`
		Options map[string]any `yaml:"options,omitempty"`
	} `yaml:"overlay,omitempty"`
	Customization struct {
		ExtraKernelArgs []string `yaml:"extraKernelArgs,omitempty"`
		Meta            []struct {
			Key   uint8  `yaml:"key"`
			Value string `yaml:"value"`
		} `yaml:"meta,omitempty"`
		SystemExtensions struct {
			OfficialExtensions []string `yaml:"officialExtensions,omitempty"`
		} `yaml:"systemExtensions,omitempty"`
	} `yaml:"customization"`
}

func (p *prov) schematic(ins map[string]any, unknown bool) (string, map[string]any, []string, error) {
	out := copyMap(ins)
	if unknown {
		return "", out, nil, nil
	}
	var s factorySchematic
	dec := yaml.NewDecoder(strings.NewReader(str(ins, "schematic")))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && err != io.EOF {
		return "", nil, nil, fmt.Errorf("failed to unmarshal schematic: %w", err)
	}
	b, err := yaml.Marshal(&s)
	if err != nil {
		return "", nil, nil, err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), out, nil, nil
}

// --- invokes ---

func (p *prov) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	tok := req.GetTok()
	args, unknown, err := props(req.GetArgs())
	if err != nil {
		return nil, err
	}
	if unknown {
		return nil, fmt.Errorf("talos provider stand-in: %s called with unknown arguments", tok)
	}
	var out map[string]any
	switch tok {
	case fMachCfg:
		out, err = machineConfiguration(args)
		p.record("invoke", tok, str(args, "clusterName"), map[string]any{"machineType": str(args, "machineType"), "talosVersion": str(out, "talosVersion"), "error": errString(err)})
	case fClientCfg:
		out, err = talosconfig(args)
		p.record("invoke", tok, str(args, "clusterName"), map[string]any{"error": errString(err)})
	case fHealth:
		out, err = p.health(ctx, args)
		p.record("invoke", tok, "", map[string]any{"controlPlanes": strs(args, "controlPlaneNodes"), "workers": strs(args, "workerNodes"), "error": errString(err)})
	case fKubecfg:
		out = copyMap(args)
		var raw []byte
		raw, err = p.fetchKubeconfig(ctx, endpointOf(args), str(args, "node"), obj(args, "clientConfiguration"), p.maxWait)
		if err == nil {
			var kcc map[string]any
			_, kcc, err = parseKubeconfig(raw)
			out["kubeconfigRaw"], out["kubernetesClientConfiguration"], out["id"] = string(raw), kcc, str(args, "node")
		}
		p.record("invoke", tok, str(args, "node"), map[string]any{"error": errString(err)})
	default:
		return nil, fmt.Errorf("talos provider stand-in: function %s is not served", tok)
	}
	if err != nil {
		return &pulumirpc.InvokeResponse{Failures: []*pulumirpc.CheckFailure{{Reason: err.Error()}}}, nil
	}
	st, err := outputs(tok, out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: st}, nil
}

func talosconfig(args map[string]any) (map[string]any, error) {
	cc := obj(args, "clientConfiguration")
	ca, err1 := unb64(str(cc, "caCertificate"))
	crt, err2 := unb64(str(cc, "clientCertificate"))
	key, err3 := unb64(str(cc, "clientKey"))
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("failed to generate talos config: %w", err)
	}
	name := str(args, "clusterName")
	tc := clientconfig.NewConfig(name, nil, ca, &x509.PEMEncodedCertificateAndKey{Crt: crt, Key: key})
	if e := strs(args, "endpoints"); len(e) > 0 {
		tc.Contexts[name].Endpoints = e
	}
	if n := strs(args, "nodes"); len(n) > 0 {
		tc.Contexts[name].Nodes = n
	}
	b, err := tc.Bytes()
	if err != nil {
		return nil, err
	}
	out := copyMap(args)
	out["talosConfig"], out["id"] = string(b), name
	return out, nil
}

// health: the provider runs Talos's cluster checks (etcd healthy with every control plane a member,
// every node's Talos API answering, every Kubernetes node Ready) until they pass or timeouts.read runs
// out. Here the same questions go to the nodes: Version on every node, EtcdMemberList and EtcdStatus on
// the control planes, and the Kubernetes API from the kubeconfig the first control plane gives.
func (p *prov) health(ctx context.Context, args map[string]any) (map[string]any, error) {
	wait := p.maxWait
	if d, err := time.ParseDuration(str(obj(args, "timeouts"), "read")); err == nil && d < wait {
		wait = d
	}
	cps, workers := strs(args, "controlPlaneNodes"), strs(args, "workerNodes")
	endpoints := strs(args, "endpoints")
	if len(cps) == 0 {
		return nil, errors.New("control_plane_nodes is required")
	}
	cc := obj(args, "clientConfiguration")
	deadline := time.Now().Add(wait)
	var last error
	for {
		last = p.healthOnce(ctx, cps, workers, endpoints, cc, boolOr(args, "skipKubernetesChecks", false))
		if last == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(p.retry)
	}
	if last != nil {
		return nil, fmt.Errorf("cluster health check failed: %w", last)
	}
	out := copyMap(args)
	out["id"] = "cluster_health"
	return out, nil
}

func (p *prov) healthOnce(ctx context.Context, cps, workers, endpoints []string, cc map[string]any, skipK8s bool) error {
	t, err := clientTLS(cc)
	if err != nil {
		return err
	}
	call := func(node string, f func(context.Context, machineapi.MachineServiceClient) error) error {
		c, err := dial(node, t)
		if err != nil {
			return err
		}
		defer c.Close()
		cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "node", node), 5*time.Second)
		defer cancel()
		return f(cctx, machineapi.NewMachineServiceClient(c))
	}
	for _, n := range append(append([]string{}, cps...), workers...) {
		if err := call(n, func(c context.Context, m machineapi.MachineServiceClient) error {
			_, err := m.Version(c, &emptypb.Empty{})
			return err
		}); err != nil {
			return fmt.Errorf("node %s: Talos API: %w", n, err)
		}
	}
	for _, n := range cps {
		var members []string
		if err := call(n, func(c context.Context, m machineapi.MachineServiceClient) error {
			r, err := m.EtcdMemberList(c, &machineapi.EtcdMemberListRequest{})
			if err != nil {
				return err
			}
			for _, msg := range r.Messages {
				for _, mem := range msg.Members {
					for _, u := range mem.PeerUrls {
						members = append(members, strings.TrimSuffix(strings.TrimPrefix(u, "https://"), ":2380"))
					}
				}
			}
			st, err := m.EtcdStatus(c, &emptypb.Empty{})
			if err != nil {
				return err
			}
			for _, msg := range st.Messages {
				if msg.MemberStatus != nil && len(msg.MemberStatus.Errors) > 0 {
					return fmt.Errorf("etcd: %s", strings.Join(msg.MemberStatus.Errors, "; "))
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("node %s: etcd: %w", n, err)
		}
		if len(members) != len(cps) {
			return fmt.Errorf("etcd members %v, expected the control planes %v", members, cps)
		}
	}
	if skipK8s {
		return nil
	}
	ep := cps[0]
	if len(endpoints) > 0 {
		ep = endpoints[0]
	}
	raw, err := p.fetchKubeconfig(ctx, ep, cps[0], cc, 0)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return kubernetesNodesReady(raw, append(append([]string{}, cps...), workers...))
}

// kubernetesNodesReady: Talos's K8sAllNodesReportedAssertion (the Node objects' InternalIPs are exactly
// the expected nodes, "expected %v nodes, but got %v nodes") and K8sAllNodesReadyAssertion.
func kubernetesNodesReady(raw []byte, want []string) error {
	k, _, err := parseKubeconfig(raw)
	if err != nil {
		return err
	}
	ca, _ := unb64(k.Clusters[0].Cluster.CA)
	crt, _ := unb64(k.Users[0].User.Cert)
	key, _ := unb64(k.Users[0].User.Key)
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return err
	}
	pool := stdx509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}
	resp, err := hc.Get(k.Clusters[0].Cluster.Server + "/api/v1/nodes")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var list struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
			Status   struct {
				Conditions []struct{ Type, Status string }  `json:"conditions"`
				Addresses  []struct{ Type, Address string } `json:"addresses"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return err
	}
	var actual, notReady []string
	for _, n := range list.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				actual = append(actual, a.Address)
			}
		}
		ok := false
		for _, c := range n.Status.Conditions {
			ok = ok || (c.Type == "Ready" && c.Status == "True")
		}
		if !ok {
			notReady = append(notReady, n.Metadata.Name)
		}
	}
	expected := append([]string{}, want...)
	sort.Strings(expected)
	sort.Strings(actual)
	if !reflect.DeepEqual(expected, actual) {
		return fmt.Errorf("expected %v nodes, but got %v nodes", expected, actual)
	}
	if len(notReady) > 0 {
		return fmt.Errorf("nodes not Ready: %v", notReady)
	}
	return nil
}

var _ = common.Data{}
