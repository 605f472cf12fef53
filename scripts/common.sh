# Shared by scripts/demo, scripts/test, scripts/bench: paths, MPI-as-root settings, build step.
# shellcheck shell=bash
PARLAYER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PARLAYER_BUILD=${PARLAYER_BUILD:-$PARLAYER_ROOT/build}

# Open MPI refuses to run as root unless told; CI and fresh machines run as root.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# More ranks than cores (4 ranks on a 2-core machine) is normal in tests and the demo.
export OMPI_MCA_rmaps_base_oversubscribe=1

say() { printf '\n== %s\n' "$*"; }

# Configure (Release by default) and build with every core.
#   build_parlayer [-DOPTION=VALUE...] [TARGET...]   (no target: everything)
build_parlayer() {
  local options=() targets=()
  for arg in "$@"; do
    if [[ $arg == -D* ]]; then options+=("$arg"); else targets+=(--target "$arg"); fi
  done
  say "configure ($PARLAYER_BUILD)"
  mkdir -p "$PARLAYER_BUILD"
  local log=$PARLAYER_BUILD/configure.log
  cmake -S "$PARLAYER_ROOT" -B "$PARLAYER_BUILD" -DCMAKE_BUILD_TYPE="${PARLAYER_BUILD_TYPE:-Release}" \
    "${options[@]}" >"$log" 2>&1 ||
    { cat "$log"; echo "error: cmake configure failed" >&2; return 1; }
  say "build (-j$(nproc))"
  cmake --build "$PARLAYER_BUILD" -j"$(nproc)" "${targets[@]}"
}
