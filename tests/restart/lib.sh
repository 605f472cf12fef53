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
# check, finish, skip, in_private_mounts, watchdog, make_scratch (no arguments: $1.. stay ours)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
script_args=("$@")  # for in_private_mounts, which runs the script again with them
mpiexec=$1 binary=$2 config=$3 python=$4 forge=$5
shift 5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
h5tool="$python $here/h5tool.py"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="" rc=0 work="" runs=0 log=""
checks_tail=15  # a failing check shows the last 15 lines of the last run's output

# PARLAYER_RESTART_SET="KEY=VALUE ...": extra --set options for every run (the checkpoint modes:
# restart.*.async runs every check with checkpoint.async = true).
mode_sets=()
for kv in ${PARLAYER_RESTART_SET:-}; do mode_sets+=(--set "$kv"); done

# make_work: a private scratch folder under /tmp, removed on exit with the mounts made below it
# (KEEP_WORK=1 keeps it for a look).
make_work() { make_scratch /tmp/parlayer-restart; }

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
    --set log.echo_config=false "${mode_sets[@]}" "$@" >"$log" 2>"$log.err"
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
    --set log.echo_config=false "${mode_sets[@]}" "$@" >"$log" 2>&1 &
  job=$!
  watchdog 120 kill_with_ranks "$job"  # a hang guard, not a speed limit
}
# finish_job: waits for the background job; sets rc and out.
finish_job() {
  wait "$job"
  rc=$?
  kill "$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  out=$(cat "$log")
}
# kill_with_ranks PID: SIGKILL to PID's rank processes (its children) and to PID.
kill_with_ranks() { kill -KILL $(pgrep -P "$1") "$1"; }
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
# no_temporaries DIR: nothing but committed checkpoints (and the run lock's file) left in DIR.
no_temporaries() { [[ -z $(ls -A "$1" | grep -v -e '^checkpoint_[0-9]*\.h5$' -e '^\.parlayer\.lock$') ]]; }
