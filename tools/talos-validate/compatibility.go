// The -compatibility mode: what Talos's own support matrix (pkg/machinery/compatibility, at the release
// this binary is linked against) accepts for that release's minor. core/versions' generated table
// (talos-compatibility.generated.ts) is these rows, one binary per supported minor.
//
// The bounds are asked of the package's public API, never copied from its constants: every version
// 1.0.0 to 1.99.199 is put to KubernetesVersion.SupportedWith (against this release) and to
// TalosVersion.UpgradeableFrom (a node on that version taking this release's installer). Both
// switch on the target's major.minor only, so a row holds for every patch of the minor.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/compatibility"
)

const machineryModule = "github.com/siderolabs/talos/pkg/machinery"

// versionRange is what one question accepts: Min <= v < Below, except the Denied versions.
type versionRange struct {
	Min    string   `json:"min"`
	Below  string   `json:"below"`
	Denied []string `json:"denied"`
}

type compatibilityRow struct {
	// the machinery module version linked into this binary (its build info, not a flag)
	Machinery string `json:"machinery"`
	Minor     string `json:"minor"`
	// Kubernetes versions this Talos minor runs
	Kubernetes versionRange `json:"kubernetes"`
	// Talos versions a node may run when it is moved to this minor (upgrades, and downgrades from above)
	HostVersions versionRange `json:"hostVersions"`
}

// the probe grid: 1.0.0 to 1.99.199; a range touching either end of it is refused as unmeasured
const gridMinors, gridPatches = 100, 200

func printCompatibility() error {
	machinery, err := linkedMachinery()
	if err != nil {
		return err
	}
	target, err := compatibility.ParseTalosVersion(&machine.VersionInfo{Tag: machinery})
	if err != nil {
		return err
	}
	var major, minor int
	if _, err := fmt.Sscanf(machinery, "v%d.%d.", &major, &minor); err != nil {
		return fmt.Errorf("machinery version %q: %w", machinery, err)
	}
	row := compatibilityRow{Machinery: machinery, Minor: fmt.Sprintf("%d.%d", major, minor)}
	row.Kubernetes, err = scan("Kubernetes", func(version string) bool {
		k, err := compatibility.ParseKubernetesVersion(version)
		return err == nil && k.SupportedWith(target) == nil
	})
	if err != nil {
		return err
	}
	row.HostVersions, err = scan("host Talos", func(version string) bool {
		host, err := compatibility.ParseTalosVersion(&machine.VersionInfo{Tag: "v" + version})
		return err == nil && target.UpgradeableFrom(host) == nil
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(row)
}

// linkedMachinery is the version of the machinery module this binary was built with.
func linkedMachinery() (string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("no build info in this binary")
	}
	for _, dep := range info.Deps {
		if dep.Path != machineryModule {
			continue
		}
		if dep.Replace != nil && dep.Replace.Version != "" {
			return dep.Replace.Version, nil
		}
		return dep.Version, nil
	}
	return "", fmt.Errorf("%s is not linked into this binary", machineryModule)
}

// scan puts every grid version to accepts and returns the accepted span: the first and the last
// accepted version, the first refused one after it, and the refused ones in between.
func scan(what string, accepts func(version string) bool) (versionRange, error) {
	grid := make([]string, 0, gridMinors*gridPatches)
	for minor := 0; minor < gridMinors; minor++ {
		for patch := 0; patch < gridPatches; patch++ {
			grid = append(grid, fmt.Sprintf("1.%d.%d", minor, patch))
		}
	}
	ok := make([]bool, len(grid))
	first, last := -1, -1
	for i, version := range grid {
		if ok[i] = accepts(version); ok[i] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first <= 0 || last >= len(grid)-1 {
		return versionRange{}, fmt.Errorf("%s versions: the accepted span (%d..%d) is not inside the probe grid 1.0.0..%s", what, first, last, grid[len(grid)-1])
	}
	r := versionRange{Min: grid[first], Below: grid[last+1], Denied: []string{}}
	for i := first; i <= last; i++ {
		if !ok[i] {
			r.Denied = append(r.Denied, grid[i])
		}
	}
	return r, nil
}
