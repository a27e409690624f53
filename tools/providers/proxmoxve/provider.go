// Package proxmoxve bridges the Terraform provider bpg/terraform-provider-proxmox into a Pulumi
// resource provider whose tokens are the ones the npm SDK @muhlba91/pulumi-proxmoxve 8.6.0 sends,
// so that the SDK drives it unchanged. It exists because the published plugin cannot be downloaded
// and muhlba91's provider module is not served by the Go module proxy here.
//
// Honest version note: the plugin reports 8.6.0 (the version the SDK asks the engine for), but the
// Terraform provider inside is bpg v0.111.1 (see go.mod), a slightly older bpg than 8.6.0 wraps.
package proxmoxve

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bpg/terraform-provider-proxmox/fwprovider"
	"github.com/bpg/terraform-provider-proxmox/proxmoxtf/provider"
	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	// PluginVersion is what the SDK requests and what the plugin reports.
	PluginVersion = "8.6.0"
	// BpgVersion is the Terraform provider actually bridged (must match go.mod).
	BpgVersion = "0.111.1"
)

// Terraform resources whose "id" is a user-set input or a number (a storage name, a VM ID), each with
// its old-style name where bpg has one. Pulumi reserves "id", so the attribute is exposed as
// "resourceId" and the Pulumi ID is derived from it, as the SDK expects.
var idIsInput = map[string]string{
	"proxmox_backup_job": "", "proxmox_cloned_vm": "proxmox_virtual_environment_cloned_vm",
	"proxmox_replication":           "proxmox_virtual_environment_replication",
	"proxmox_vm":                    "proxmox_virtual_environment_vm2", // not _vm: that is the SDKv2 VM, whose id is a string
	"proxmox_sdn_vnet":              "proxmox_virtual_environment_sdn_vnet",
	"proxmox_sdn_fabric_ospf":       "proxmox_virtual_environment_sdn_fabric_ospf",
	"proxmox_sdn_fabric_openfabric": "proxmox_virtual_environment_sdn_fabric_openfabric",
	"proxmox_sdn_zone_evpn":         "proxmox_virtual_environment_sdn_zone_evpn",
	"proxmox_sdn_zone_qinq":         "proxmox_virtual_environment_sdn_zone_qinq",
	"proxmox_sdn_zone_simple":       "proxmox_virtual_environment_sdn_zone_simple",
	"proxmox_sdn_zone_vlan":         "proxmox_virtual_environment_sdn_zone_vlan",
	"proxmox_sdn_zone_vxlan":        "proxmox_virtual_environment_sdn_zone_vxlan",
	"proxmox_storage_cifs":          "proxmox_virtual_environment_storage_cifs",
	"proxmox_storage_directory":     "proxmox_virtual_environment_storage_directory",
	"proxmox_storage_lvm":           "proxmox_virtual_environment_storage_lvm",
	"proxmox_storage_lvmthin":       "proxmox_virtual_environment_storage_lvmthin",
	"proxmox_storage_nfs":           "proxmox_virtual_environment_storage_nfs",
	"proxmox_storage_pbs":           "proxmox_virtual_environment_storage_pbs",
	"proxmox_storage_zfspool":       "proxmox_virtual_environment_storage_zfspool",
}

// Properties renamed only for C#, where a property may not share its class's name. Kept so the
// schema matches the SDK's.
var csharpNames = map[string]map[string]string{
	"acme_certificate":   {"certificate": "certificatePem"},
	"acme_dns_plugin":    {"plugin": "pluginName"},
	"network_linux_vlan": {"vlan": "vlanId"},
	"metrics_server":     {"server": "serverAddress"},
}

// tokenParts maps a Terraform type name to the SDK's module and type name:
//
//	proxmox_virtual_environment_vm            -> index, VmLegacy   (old-style names get "Legacy")
//	proxmox_virtual_environment_download_file -> download, FileLegacy
//	proxmox_download_file                     -> download, File
func tokenParts(tfName string) (module, name string) {
	const oldPrefix, newPrefix = "proxmox_virtual_environment_", "proxmox_"
	legacy := strings.HasPrefix(tfName, oldPrefix)
	rest := strings.TrimPrefix(strings.TrimPrefix(tfName, oldPrefix), newPrefix)
	words := strings.Split(rest, "_")
	module, name = "index", words[len(words)-1]
	if len(words) > 1 {
		module = strings.Join(words[:len(words)-1], "/")
	}
	if legacy {
		name += "Legacy"
	}
	return module, strings.ToUpper(name[:1]) + name[1:]
}

func idFromResourceID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v := state["resourceId"]
	switch {
	case v.IsString():
		return resource.ID(v.StringValue()), nil
	case v.IsNumber():
		return resource.ID(strconv.FormatInt(int64(v.NumberValue()), 10)), nil
	}
	return "", fmt.Errorf("resourceId is not set")
}

func resourceInfos() map[string]*tfbridge.ResourceInfo {
	infos := map[string]*tfbridge.ResourceInfo{}
	for name, legacy := range idIsInput {
		for _, tf := range []string{name, legacy} {
			if tf != "" {
				infos[tf] = &tfbridge.ResourceInfo{
					Fields:    map[string]*tfbridge.SchemaInfo{"id": {Name: "resourceId", Type: "string"}},
					ComputeID: idFromResourceID,
				}
			}
		}
	}
	for suffix, fields := range csharpNames {
		for _, tf := range []string{"proxmox_" + suffix, "proxmox_virtual_environment_" + suffix} {
			info := infos[tf]
			if info == nil {
				info = &tfbridge.ResourceInfo{Fields: map[string]*tfbridge.SchemaInfo{}}
				infos[tf] = info
			}
			for prop, cs := range fields {
				info.Fields[prop] = &tfbridge.SchemaInfo{CSharpName: cs}
			}
		}
	}
	return infos
}

// Provider returns the bridge description. metadata is bridge-metadata.json as written by tfgen
// (empty while tfgen itself runs).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	ctx := context.Background()
	p := pfbridge.MuxShimWithPF(ctx, shimv2.NewProvider(provider.ProxmoxVirtualEnvironment()), fwprovider.New(BpgVersion)())
	prov := tfbridge.ProviderInfo{
		P:                 p,
		Name:              "proxmox",
		DisplayName:       "Proxmox Virtual Environment (Proxmox VE)",
		Description:       "Proxmox VE provider: bpg/terraform-provider-proxmox v" + BpgVersion + " bridged offline for the homelab project, with @muhlba91/pulumi-proxmoxve 8.6.0's tokens.",
		Keywords:          []string{"proxmox", "proxmoxve", "category/infrastructure"},
		License:           "Apache-2.0",
		GitHubOrg:         "bpg",
		PluginDownloadURL: "github://api.github.com/muhlba91/pulumi-proxmoxve",
		Version:           PluginVersion,
		Resources:         resourceInfos(),
		DataSources:       map[string]*tfbridge.DataSourceInfo{},
		JavaScript:        &tfbridge.JavaScriptInfo{PackageName: "@muhlba91/pulumi-proxmoxve"},
		MetadataInfo:      tfbridge.NewProviderMetadata(metadata),
	}
	prov.MustComputeTokens(tfbridge.Strategy{
		Resource: func(tf string, r *tfbridge.ResourceInfo) error {
			if r.Tok == "" {
				mod, name := tokenParts(tf)
				r.Tok = tfbridge.MakeResource("proxmoxve", mod, name)
			}
			return nil
		},
		DataSource: func(tf string, d *tfbridge.DataSourceInfo) error {
			if d.Tok == "" {
				mod, name := tokenParts(tf)
				d.Tok = tfbridge.MakeDataSource("proxmoxve", mod, "get"+name)
			}
			return nil
		},
	})
	// Same auto-naming as the published provider: a missing "name" gets a random suffix, max 255.
	prov.SetAutonaming(255, "-")
	return prov
}
