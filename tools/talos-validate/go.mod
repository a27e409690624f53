// Only marks the module root: each build picks the module file pinned to one Talos machinery release,
// `go build -modfile=machinery-<minor>.mod` (see tools/toolchain/build-talos-validate.sh).
module homelab/tools/talos-validate

go 1.26
