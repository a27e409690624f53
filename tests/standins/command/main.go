// Stand-in for the pulumi-command 1.2.1 provider plugin (tests only): `command:local:Command` runs its
// commands for real, with the upstream semantics (see local/command.go), on the framework the real
// provider is built on (pulumi-go-provider v1.3.0). pulumi-command's own provider module is not served
// here, so the tests install this binary as pulumi-resource-command into a throwaway PULUMI_HOME.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-go-provider/infer"

	"homelab/tests/standins/command/local"
)

// the version the @pulumi/command SDK in node_modules asks the engine for
const version = "1.2.1"

func main() {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("Command (stand-in, tests only)").
		WithResources(infer.Resource(&local.Command{})).
		Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "stand-in command provider: %v\n", err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), "command", version); err != nil {
		fmt.Fprintf(os.Stderr, "stand-in command provider: %v\n", err)
		os.Exit(1)
	}
}
