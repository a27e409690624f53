// The pulumi-kubernetes provider's own main (provider/cmd/pulumi-resource-kubernetes at the pinned commit),
// with its schema and Terraform mapping embedded from the files build-kubernetes-provider.sh generates
// next to this file (git-ignored) from the same commit's schema.json and terraform-mapping.json.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

var providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
