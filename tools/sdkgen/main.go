// Command sdkgen generates a provider's Node.js SDK from its Pulumi package schema.
//
// `pulumi package gen-sdk` delegates to the Node language host, and the host this project can build
// offline predates that RPC; this calls the same code generator (pkg/v3/codegen/nodejs) directly.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noReferences refuses to load other packages: the schemas we generate from are self-contained.
type noReferences struct{}

func (noReferences) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema references package %q, which sdkgen does not load", pkg)
}

func (noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("schema references package %q, which sdkgen does not load", d.Name)
}

func (noReferences) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema references package %q, which sdkgen does not load", pkg)
}

func (noReferences) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema references package %q, which sdkgen does not load", d.Name)
}

func main() {
	schemaPath := flag.String("schema", "", "path to the provider's schema.json")
	version := flag.String("version", "", "provider version to stamp into the SDK (e.g. 0.8.1)")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *schemaPath == "" || *version == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	raw, err := os.ReadFile(*schemaPath)
	check(err)
	var spec schema.PackageSpec
	check(json.Unmarshal(raw, &spec))
	spec.Version = *version
	pkg, diags, err := schema.BindSpec(spec, noReferences{}, schema.ValidationOptions{})
	check(err)
	if diags.HasErrors() {
		check(diags)
	}
	files, err := nodejs.GeneratePackage("sdkgen", pkg, nil, nil, false, noReferences{})
	check(err)
	for name, content := range files {
		path := filepath.Join(*out, name)
		check(os.MkdirAll(filepath.Dir(path), 0o755))
		check(os.WriteFile(path, content, 0o644))
	}
	fmt.Printf("wrote %d files to %s\n", len(files), *out)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}
