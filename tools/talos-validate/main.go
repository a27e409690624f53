// Command talos-validate renders Talos machine configs the way the Talos provider does (machinery's
// generate + configpatcher) from our per-node patches, then runs Talos's own validation in metal mode.
//
// Input on stdin (JSON): {"clusterName", "clusterEndpoint", "talosVersion", "kubernetesVersion",
// "nodes": [{"name", "type": "controlplane"|"worker", "patches": ["<yaml>", ...]}]}.
// Output (JSON): one result per node with Talos's warnings and its error, if any. Exit 1 on errors.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
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
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(fmt.Errorf("reading request: %w", err))
	}
	contract, err := config.ParseContractFromVersion(req.TalosVersion)
	if err != nil {
		fail(err)
	}
	bundle, err := secrets.NewBundle(secrets.NewFixedClock(time.Now()), contract)
	if err != nil {
		fail(err)
	}
	input, err := generate.NewInput(req.ClusterName, req.ClusterEndpoint, req.KubernetesVersion,
		generate.WithSecretsBundle(bundle), generate.WithVersionContract(contract))
	if err != nil {
		fail(err)
	}
	results := make([]result, 0, len(req.Nodes))
	failed := false
	for _, n := range req.Nodes {
		r := result{Name: n.Name, Warnings: []string{}}
		if err := validateNode(input, n.Type, n.Patches, &r); err != nil {
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

func validateNode(input *generate.Input, nodeType string, patchTexts []string, r *result) error {
	t, err := machine.ParseType(nodeType)
	if err != nil {
		return err
	}
	base, err := input.Config(t)
	if err != nil {
		return err
	}
	patches, err := configpatcher.LoadPatches(patchTexts)
	if err != nil {
		return fmt.Errorf("loading patches: %w", err)
	}
	out, err := configpatcher.Apply(configpatcher.WithConfig(base), patches)
	if err != nil {
		return fmt.Errorf("applying patches: %w", err)
	}
	cfg, err := out.Config()
	if err != nil {
		return fmt.Errorf("patched config: %w", err)
	}
	warnings, err := cfg.Validate(metalMode{}, validation.WithStrict())
	r.Warnings = append(r.Warnings, warnings...)
	return err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "talos-validate:", err)
	os.Exit(2)
}
