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
# PARLAYER_RESTART_LEVELS=1 (restart.*.levels): two levels. Every run also keeps level 1 in
# OUTPUT/level1/{node} (a folder of its own run: tests run in parallel; `cp -a` of an output folder
# copies its level 1 too), with PARLAYER_RESTART_SET's checkpoint.global_every. Scripts read
# $levels where a check depends on where a checkpoint lands.
levels=${PARLAYER_RESTART_LEVELS:-0}
# level1_set OUTPUT: the --set option that puts OUTPUT's level 1 in OUTPUT/level1/{node} (none
# without levels).
level1_set() { ((levels)) && printf '%s\n' --set "checkpoint.local_dir=\"$1/level1/{node}\""; }

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
  local level1=()
  mapfile -t level1 < <(level1_set "$output")
  timeout 120 "$mpiexec" -q --oversubscribe --mca odls_base_sigkill_timeout 0 -np "$np" "$binary" \
    --config "$config" --output "$output" \
    --set log.echo_config=false "${mode_sets[@]}" "${level1[@]}" "$@" >"$log" 2>"$log.err"
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
  local level1=()
  mapfile -t level1 < <(level1_set "$output")
  "$mpiexec" -q --oversubscribe -np "$np" "$binary" --config "$config" --output "$output" \
    --set log.echo_config=false "${mode_sets[@]}" "${level1[@]}" "$@" >"$log" 2>&1 &
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

# newest_generation NP OUTPUT: "STEP LEVEL" of the generation --restart latest on NP ranks must take
# when nothing is damaged and level 1 was written by NP ranks: the newest committed level-2 file in
# OUTPUT/checkpoints, or a newer level-1 step with every rank's data there (its own file or its
# partner's copy).
newest_generation() {
  local np=$1 l2=-1 l1=-1 name s ranks
  shift
  local folder=$1/checkpoints
  name=$(ls "$folder" 2>/dev/null | grep '^checkpoint_[0-9]*\.h5$' | tail -n 1)
  name=${name#checkpoint_}
  [[ -n $name ]] && l2=$((10#${name%.h5}))
  if [[ -d $1/level1 ]]; then
    for s in $(ls "$1"/level1/*/ | sed -n 's/^checkpoint_\([0-9]*\)\.rank.*\.l1$/\1/p' | sort -u); do
      ranks=$(ls "$1"/level1/*/ | sed -n "s/^checkpoint_${s}\.rank\([0-9]*\)\(\.copy\)\?\.l1\$/\1/p" | sort -u | wc -l)
      ((ranks == np && 10#$s > l1)) && l1=$((10#$s))
    done
  fi
  if ((l1 > l2)); then echo "$l1 1"; else echo "$l2 2"; fi
}
# restarted_from_level1 STEP: the last run restarted from the level-1 generation of STEP.
restarted_from_level1() { grep -q "restarted from .*level1/[0-9]*/checkpoint_0*$1\.rank\*\.l1: step $1, .*, level 1\$" "$log"; }
