// pulumi-tfgen-proxmoxve writes schema.json and bridge-metadata.json (`schema --out DIR`), the two
// files the provider binary embeds.
package main

import (
	proxmoxve "homelab/tools/providers/proxmoxve"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
)

func main() {
	pftfgen.MainWithMuxer("proxmoxve", proxmoxve.Provider(nil))
}
