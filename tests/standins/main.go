// Stand-in provider plugins, for the end-to-end tests only. The real talos, kubernetes and command
// plugins cannot be downloaded here and their Go modules are not served, so the tests install this one
// binary as pulumi-resource-<talos|kubernetes|command> into a throwaway PULUMI_HOME (never the
// project's). It is a stand-in, named so in every message, and does only what a preview needs from a
// provider, judged by the real package schema it finds next to itself (schema.json; its optional
// "x-judged-by" says what that schema is, for the messages):
//   - CheckConfig/Configure accept (the config is checked against the schema's provider inputs when the
//     schema has them);
//   - Check validates the inputs against the resource's schema and echoes them;
//   - Create in a preview echoes the inputs and leaves every other output unknown; it never invents a
//     value a real provider would compute. Anything that would touch real infrastructure is refused;
//   - Invoke validates the arguments and returns no outputs (see invoke below).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type standin struct {
	pulumirpc.UnimplementedResourceProviderServer
	pkg     string
	version string
	raw     []byte
	schema  *packageSchema
}

func main() {
	// argv[0], not os.Executable: the tests symlink one binary into each plugin folder, and the
	// schema belongs to the folder the engine started it from (plugins/resource-<pkg>-v<version>/)
	dir := filepath.Dir(os.Args[0])
	pkg := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-resource-")
	raw, err := os.ReadFile(filepath.Join(dir, "schema.json"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "stand-in %s provider: no schema.json next to the binary: %v\n", pkg, err)
		os.Exit(1)
	}
	s, err := parseSchema(raw, versionOf(filepath.Base(dir), pkg))
	if err != nil {
		fmt.Fprintf(os.Stderr, "stand-in %s provider: schema.json: %v\n", pkg, err)
		os.Exit(1)
	}
	p := &standin{pkg: pkg, version: s.Version, raw: raw, schema: s}
	if err := provider.Main(pkg, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) { return p, nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// versionOf reads the version from the plugin folder's name, resource-<pkg>-v<version>, for schemas
// that carry none (tfgen leaves it out).
func versionOf(folder, pkg string) string {
	return strings.TrimPrefix(folder, "resource-"+pkg+"-v")
}

func (p *standin) label() string { return fmt.Sprintf("stand-in %s provider (tests only)", p.pkg) }

// tagged marks each failure as the stand-in's, so no one mistakes it for the real provider's words.
func (p *standin) tagged(fs []*pulumirpc.CheckFailure) []*pulumirpc.CheckFailure {
	for _, f := range fs {
		f.Reason = fmt.Sprintf("%s [stand-in %s provider, judged by %s]", f.Reason, p.pkg, p.schema.JudgedBy)
	}
	return fs
}

var keep = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func (p *standin) props(label string, st *structpb.Struct) (resource.PropertyMap, error) {
	o := keep
	o.Label = label
	return plugin.UnmarshalProperties(st, o)
}

func (p *standin) marshal(label string, m resource.PropertyMap) (*structpb.Struct, error) {
	o := keep
	o.Label = label
	return plugin.MarshalProperties(m, o)
}

func (p *standin) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *standin) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: string(p.raw)}, nil
}

func (p *standin) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := p.props("config", req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if p.schema.Provider != nil {
		// the engine adds these to every provider's inputs
		filtered := resource.PropertyMap{}
		for k, v := range news {
			if k != "version" && k != "pluginDownloadURL" {
				filtered[k] = v
			}
		}
		failures = p.tagged(p.schema.checkObject(p.schema.Provider.Inputs, p.schema.Provider.Required, filtered, true))
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func (p *standin) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *standin) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true, SupportsPreview: true}, nil
}

func (p *standin) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	tok := string(resource.URN(req.GetUrn()).Type())
	news, err := p.props(tok, req.GetNews())
	if err != nil {
		return nil, err
	}
	r, ok := p.schema.Resources[tok]
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a resource of the %s package schema %s", p.label(), tok, p.pkg, p.version)
	}
	failures := p.tagged(p.schema.checkObject(r.Inputs, r.Required, news, true))
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func (p *standin) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := p.props("olds", req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	news, err := p.props("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	if olds.DeepEquals(news) {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME}, nil
}

func (p *standin) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	tok := string(resource.URN(req.GetUrn()).Type())
	if !req.GetPreview() {
		return nil, fmt.Errorf("%s cannot create %s: it only serves previews; install the real %s plugin", p.label(), tok, p.pkg)
	}
	ins, err := p.props(tok, req.GetProperties())
	if err != nil {
		return nil, err
	}
	outs := ins.Copy()
	if r, ok := p.schema.Resources[tok]; ok {
		// what the provider computes stays unknown, exactly as a real provider leaves it in a preview
		for name := range r.Outputs {
			if _, set := outs[resource.PropertyKey(name)]; !set {
				outs[resource.PropertyKey(name)] = resource.MakeComputed(resource.NewStringProperty(""))
			}
		}
	}
	st, err := p.marshal(tok, outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: "", Properties: st}, nil
}

func (p *standin) refuse(op string) error {
	return fmt.Errorf("%s cannot %s: it only serves previews; install the real %s plugin", p.label(), op, p.pkg)
}

func (p *standin) Read(context.Context, *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return nil, p.refuse("read resources")
}

func (p *standin) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, p.refuse("update resources")
}

func (p *standin) Delete(context.Context, *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	return nil, p.refuse("delete resources")
}

// Invoke checks the arguments against the function's schema and returns no outputs. The engine refuses
// unknown values in an invoke's result, and a stand-in must not invent the real result (a rendered
// machine config, a talosconfig, a health verdict), so every output is absent. In a fresh stack's
// preview the Node SDK does not even get here: its output-form invokes (getConfigurationOutput,
// getHealthOutput) resolve to unknown without calling the engine while an argument is unknown, and the
// machine secrets are unknown until the Secrets resource exists.
func (p *standin) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	f, ok := p.schema.Functions[req.GetTok()]
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a function of the %s package schema %s", p.label(), req.GetTok(), p.pkg, p.version)
	}
	args, err := p.props(req.GetTok(), req.GetArgs())
	if err != nil {
		return nil, err
	}
	failures := p.tagged(p.schema.checkObject(f.Inputs, f.Required, args, true))
	return &pulumirpc.InvokeResponse{Return: &structpb.Struct{}, Failures: failures}, nil
}

func (p *standin) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}
