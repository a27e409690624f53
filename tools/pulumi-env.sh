# Source this file to run `pulumi` for this project the way its scripts do:  . tools/pulumi-env.sh
#  - the project's Node (tools/node-env.sh): yours when it is 22.9+ or 24+, else .toolchain/node;
#  - the Pulumi CLI tools/setup.sh chose: an installed one, or the offline build in .toolchain/bin (with
#    its own plugin home, and no plugin downloads, which cannot work offline);
#  - your backend when you are logged in (`pulumi login ...`); only when you are not, a local file
#    backend in .pulumi-state/ (git-ignored).
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# the Node the program and the policy pack run on (the language host takes `node` from PATH)
. "$_root/tools/node-env.sh"
HOMELAB_TOOLCHAIN=installed
[ -f "$_root/.toolchain/toolchain.env" ] && . "$_root/.toolchain/toolchain.env"
export HOMELAB_TOOLCHAIN
if [ "$HOMELAB_TOOLCHAIN" = offline ]; then
  export PATH="$_root/.toolchain/bin:$PATH"
  export PULUMI_HOME="${PULUMI_HOME:-$_root/.toolchain/pulumi-home}"
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  mkdir -p "$PULUMI_HOME"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! timeout 20 pulumi whoami >/dev/null 2>&1; then
  export PULUMI_BACKEND_URL="file://$_root/.pulumi-state"
  mkdir -p "$_root/.pulumi-state"
  echo "pulumi-env: not logged in to a Pulumi backend; using the local file backend $PULUMI_BACKEND_URL" >&2
fi
unset _root
