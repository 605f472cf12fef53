# Shared by the restart tests (sourced): parlayer-climate end to end under mpiexec.
#
#   check_xxx MPIEXEC CLIMATE CONFIG PYTHON FORGE [MODE]
#
# Fields are compared by their bytes (h5tool.py, never a tolerance). `timeout` only guards against a
# hang (the failure some tests provoke); it is never a speed threshold. Each check prints an
# "ok - ..." or "not ok - ..." line; the script ends with "N passed, M failed" and exits non-zero if
# anything failed (77: skipped, with the reason).
# shellcheck shell=bash
set -uo pipefail
script_args=("$@")
mpiexec=$1 binary=$2 config=$3 python=$4 forge=$5
shift 5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
h5tool="$python $here/h5tool.py"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
passed=0 failed=0 out="" rc=0 work="" runs=0 log=""

# make_work: a private scratch folder under /tmp, removed on exit (only if it is the one made here;
# KEEP_WORK=1 keeps it for a look).
make_work() {
  work=$(mktemp -d /tmp/parlayer-restart-XXXXXX) || exit 1
  trap 'cleanup_work' EXIT
}
cleanup_work() {
  [[ -n $work && $work == /tmp/parlayer-restart-* && -d $work ]] || return
  if [[ -n ${KEEP_WORK:-} ]]; then
    echo "# kept $work"
    return
  fi
  # Mounts this test made under $work (inside its private namespace) go first.
  local m
  for m in $(awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r); do umount "$m"; done
  rm -rf -- "$work"
}

# climate NP OUTPUT ARGS... : the model on NP ranks writing into OUTPUT (config: $config, quiet);
# sets rc, out (stdout+stderr) and log (the file holding out). The 120 s bound is a hang guard.
# odls_base_sigkill_timeout 0: after a non-zero exit (every error test) mpiexec otherwise waits 1 s
# before it "kills" ranks that have already ended.
climate() {
  local np=$1 output=$2
  shift 2
  runs=$((runs + 1))
  log="$work/run$runs.log"
  timeout 120 "$mpiexec" -q --oversubscribe --mca odls_base_sigkill_timeout 0 -np "$np" "$binary" \
    --config "$config" --output "$output" \
    --set log.echo_config=false "$@" >"$log" 2>"$log.err"
  rc=$?
  out=$(cat "$log" "$log.err")
}
# climate_bg NP OUTPUT ARGS... : the same in the background; sets job (mpiexec's pid) and log.
climate_bg() {
  local np=$1 output=$2
  shift 2
  runs=$((runs + 1))
  log="$work/run$runs.log"
  : >"$log"
  "$mpiexec" -q --oversubscribe -np "$np" "$binary" --config "$config" --output "$output" \
    --set log.echo_config=false "$@" >"$log" 2>&1 &
  job=$!
  watchdog "$job"
}
# finish_job: waits for the background job; sets rc and out.
finish_job() {
  wait "$job"
  rc=$?
  kill "$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  out=$(cat "$log")
}
# watchdog PID: SIGKILLs PID's rank processes and PID after 120 s (a hang guard, not a speed limit).
watchdog() {
  (
    exec >/dev/null 2>&1
    trap 'exit 0' TERM
    for ((i = 0; i < 1200; ++i)); do sleep 0.1; done
    kill -KILL $(pgrep -P "$1") "$1"
  ) &
  watchdog=$!
}
# rank_pids: the rank processes of the background job (the children of mpiexec).
rank_pids() { pgrep -P "$job"; }
# wait_for_log PATTERN: until the background job's log matches (or the job ended). Hang guard 60 s.
wait_for_log() {
  local i
  for ((i = 0; i < 3000; ++i)); do
    grep -q -- "$1" "$log" && return 0
    kill -0 "$job" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

# check DESCRIPTION COMMAND... : one test line; on failure shows the last run's output.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok - $what"
    passed=$((passed + 1))
  else
    echo "not ok - $what"
    printf '%s\n' "$out" | tail -n 15 | sed 's/^/    | /'
    failed=$((failed + 1))
  fi
}
# same A B: the final fields (h, u, v, tracer), step and time of two snapshot files are identical.
same() { $h5tool same "$1" "$2"; }
# same_outputs REF DIR: every output snapshot of REF has a byte-identical twin in DIR.
same_outputs() { $h5tool same-dirs "$1" "$2"; }
# error_line TEXT: the last run failed cleanly: exit 2, exactly one line on stderr, "error: ...TEXT",
# no crash report.
error_line() {
  [[ $rc -eq 2 ]] && [[ $(wc -l <"$log.err") -eq 1 ]] && grep -q -- "^error: .*$1" "$log.err" &&
    ! grep -qiE 'segmentation|signal [0-9]+ |core dumped|MPI_ABORT' <<<"$out"
}
# fingerprint DIR: names and sha256 of the committed checkpoints in DIR.
fingerprint() { (cd "$1" && sha256sum checkpoint_*.h5 2>/dev/null); }
# no_temporaries DIR: nothing but committed checkpoints left in DIR.
no_temporaries() { [[ -z $(ls -A "$1" | grep -v '^checkpoint_[0-9]*\.h5$') ]]; }
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
}
skip() {
  echo "SKIP: $*"
  exit 77
}
# in_private_mounts: re-runs this script inside a user+mount namespace (root there, may
# mount tmpfs and remount bind mounts read-only), or skips with the kernel's reason.
in_private_mounts() {
  if [[ -z ${PARLAYER_IN_NAMESPACE:-} ]]; then
    local why
    why=$(unshare -Urm true 2>&1) || skip "unshare -Urm is not permitted here ($why)"
    PARLAYER_IN_NAMESPACE=1 exec unshare -Urm "$0" "${script_args[@]}"
  fi
}
