// pulumi-resource-proxmoxve is the provider plugin. The two embedded files are produced by
// pulumi-tfgen-proxmoxve during tools/toolchain/build-proxmox-provider.sh (not committed); without the
// metadata the bridge refuses to start ("Missing precomputed mapping").
package main

import (
	"context"
	_ "embed"

	proxmoxve "homelab/tools/providers/proxmoxve"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pftfbridge.MainWithMuxer(context.Background(), "proxmoxve", proxmoxve.Provider(metadata), schema)
}
