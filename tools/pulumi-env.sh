# Source this file: offline defaults for running the real Pulumi engine from this project.
#   . tools/pulumi-env.sh
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_root/.toolchain/bin:$PATH"
export PULUMI_HOME="$_root/.toolchain/pulumi-home"          # plugins and CLI state stay in the project
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true   # never download plugins
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_BACKEND_URL="file://$_root/.pulumi-state"   # local state, git-ignored
# Passphrase secrets provider. Set your own for real stacks; this default only serves throwaway stacks.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-homelab-local-preview}"
mkdir -p "$_root/.pulumi-state" "$PULUMI_HOME"
unset _root
