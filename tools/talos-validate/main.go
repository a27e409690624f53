// Command talos-validate renders each node's full Talos machine config from our patches the way the
// Talos provider does, then lets Talos's own code judge it the way a node does on apply. It is built
// once per supported Talos minor, each against that minor's machinery module (machinery-<minor>.mod).
//
// Rendering, as in siderolabs/terraform-provider-talos: the talos_machine_configuration data source
// generates the base config with a config bundle (generate options below, comments off), then
// talos_machine_configuration_apply applies our config patches to it with configpatcher.
// Judging: the node loads the bytes it receives and validates them for its platform; here in metal
// mode (installed to disk, not in a container), strict (warnings count as errors).
//
// Input on stdin (JSON): {"clusterName", "clusterEndpoint", "talosVersion", "kubernetesVersion",
// "render": bool, "nodes": [{"name", "type": "controlplane"|"worker", "patches": ["<yaml>", ...]}]}.
// Output (JSON): per node, Talos's warnings, its error if any, and with "render" the rendered config.
// Exit 1 when any node's config is rejected, 2 when the request itself cannot be handled.
//
// With -compatibility it reads nothing and prints what Talos's compatibility package accepts for this
// release's minor instead (compatibility.go).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/bundle"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

type metalMode struct{}

func (metalMode) String() string        { return "metal" }
func (metalMode) RequiresInstall() bool { return true }
func (metalMode) InContainer() bool     { return false }

type request struct {
	ClusterName       string `json:"clusterName"`
	ClusterEndpoint   string `json:"clusterEndpoint"`
	TalosVersion      string `json:"talosVersion"`
	KubernetesVersion string `json:"kubernetesVersion"`
	Render            bool   `json:"render"`
	Nodes             []struct {
		Name    string   `json:"name"`
		Type    string   `json:"type"`
		Patches []string `json:"patches"`
	} `json:"nodes"`
}

type result struct {
	Name     string   `json:"name"`
	Warnings []string `json:"warnings"`
	Error    string   `json:"error,omitempty"`
	Config   string   `json:"config,omitempty"`
}

func main() {
	compat := flag.Bool("compatibility", false, "print Talos's support matrix for this release's minor (JSON)")
	flag.Parse()
	if *compat {
		if err := printCompatibility(); err != nil {
			fail(err)
		}
		return
	}
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(fmt.Errorf("reading request: %w", err))
	}
	base, err := baseConfigs(req)
	if err != nil {
		fail(err)
	}
	results := make([]result, 0, len(req.Nodes))
	failed := false
	for _, n := range req.Nodes {
		r := result{Name: n.Name, Warnings: []string{}}
		t, err := machine.ParseType(n.Type)
		if err == nil {
			err = judge(base[t], n.Patches, req.Render, &r)
		}
		if err != nil {
			r.Error = err.Error()
			failed = true
		}
		results = append(results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(results)
	if failed {
		os.Exit(1)
	}
}

// baseConfigs renders the data source's output for both machine types, from one set of cluster secrets.
func baseConfigs(req request) (map[machine.Type][]byte, error) {
	contract, err := config.ParseContractFromVersion(req.TalosVersion)
	if err != nil {
		return nil, err
	}
	secretsBundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract)
	if err != nil {
		return nil, err
	}
	// the provider's generate options; its install image is left to generate's default because our
	// patches set machine.install.image
	b, err := bundle.NewBundle(bundle.WithVerbose(false), bundle.WithInputOptions(&bundle.InputOptions{
		ClusterName: req.ClusterName,
		Endpoint:    req.ClusterEndpoint,
		KubeVersion: strings.TrimPrefix(req.KubernetesVersion, "v"),
		GenOptions: []generate.Option{
			generate.WithClusterDiscovery(true),
			generate.WithDNSDomain(constants.DefaultDNSDomain),
			generate.WithInstallDisk("/dev/sda"),
			generate.WithSecretsBundle(secretsBundle),
			generate.WithVersionContract(contract),
		},
	}))
	if err != nil {
		return nil, fmt.Errorf("generating the base config: %w", err)
	}
	out := map[machine.Type][]byte{}
	for _, t := range []machine.Type{machine.TypeControlPlane, machine.TypeWorker} {
		if out[t], err = b.Serialize(encoder.CommentsDisabled, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// judge applies a node's patches to its base config, as the apply resource does, and validates the result.
func judge(base []byte, patchTexts []string, render bool, r *result) error {
	patches, err := configpatcher.LoadPatches(patchTexts)
	if err != nil {
		return fmt.Errorf("loading patches: %w", err)
	}
	patched, err := configpatcher.Apply(configpatcher.WithBytes(base), patches)
	if err != nil {
		return fmt.Errorf("applying patches: %w", err)
	}
	rendered, err := patched.Bytes()
	if err != nil {
		return fmt.Errorf("rendering the patched config: %w", err)
	}
	if render {
		r.Config = string(rendered)
	}
	cfg, err := configloader.NewFromBytes(rendered)
	if err != nil {
		return fmt.Errorf("loading the rendered config: %w", err)
	}
	warnings, err := cfg.Validate(metalMode{}, validation.WithStrict())
	r.Warnings = append(r.Warnings, warnings...)
	return err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "talos-validate:", err)
	os.Exit(2)
}
