# Sourced by the scripts: where caches live and which Python runs the test tools.
# Everything the tests install goes under one cache folder outside the checkout, so a fresh
# clone on a warm machine reuses it; delete the folder to start cold.
cache_root="${SIDECAR_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sidecar-injector}"
venv="$cache_root/venv"
PY="$venv/bin/python"
export PATH="$HOME/.cargo/bin:$PATH"
