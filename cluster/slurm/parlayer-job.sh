# The part every parlayer batch script shares (sourced by climate.sbatch and coupled.sbatch, not run):
# launcher choice, threads per rank, restart detection, forwarding Slurm's pre-timeout signal, and
# requeue on the model's exit code 3. A script sets these variables, sources this file, then calls
# run_model:
#
#   job_tag   name in the log lines ("climate.sbatch")
#   output    the model's output folder, kept across requeues
#   checkpoints  (optional) where the model commits its checkpoints (default: $output/checkpoints)
#   source "$lib"; run_model MODEL CONFIG "$@"   # never returns
#
# Environment read here: PARLAYER_LAUNCHER (srun, the default, or mpirun), PARLAYER_CHECKPOINTS
# (a checkpoint folder other than $output/checkpoints: passed to the model as checkpoint.dir, and
# where a chained job looks for checkpoints to continue from), SLURM_RESTART_COUNT,
# SLURM_CPUS_PER_TASK, SLURM_NTASKS, SLURM_JOB_ID.
# shellcheck shell=bash

: "${job_tag:?set job_tag before sourcing parlayer-job.sh}" "${output:?set output before sourcing parlayer-job.sh}"
readonly requeue_exit_code=3   # parlayer::runtime::exit_code_checkpointed

launcher=${PARLAYER_LAUNCHER:-srun}
restart_count=${SLURM_RESTART_COUNT:-0}
cpus_per_task=${SLURM_CPUS_PER_TASK:-1}
export OMP_NUM_THREADS=$cpus_per_task   # threads per rank (parallel.threads = 0 reads it)

say() { echo "[$job_tag job ${SLURM_JOB_ID:-?} run $restart_count $(date +%H:%M:%S)] $*"; }

# run_model MODEL CONFIG ARGS...: runs `MODEL --config CONFIG --output $output [--restart latest] ARGS`
# on the job's tasks (--restart latest when this is a rerun) and exits with the job's status: 0 finished, or requeued after the model checkpointed
# (exit 3); otherwise the model's (or the launcher's) failing code.
run_model() {
  # A rerun (requeue) or a chained job whose folder already holds snapshots continues from the
  # newest valid one; a folder with snapshots but no valid one is an error of the model, never a
  # fresh start.
  local restart=() folder=()
  checkpoints=${PARLAYER_CHECKPOINTS:-${checkpoints:-}}
  # A checkpoint folder of its own is given to the model here, so that the model and this test of
  # "is there anything to continue from" look in the same place (a --set checkpoint.dir in the
  # arguments would not be seen here: use PARLAYER_CHECKPOINTS).
  [[ -n $checkpoints ]] && folder=(--set "checkpoint.dir=\"$checkpoints\"")
  if ((restart_count > 0)) || compgen -G "${checkpoints:-$output/checkpoints}/*.h5" >/dev/null; then
    restart=(--restart latest)
  fi

  local launch
  case $launcher in
    srun) launch=(srun --mpi=pmix --kill-on-bad-exit=1 --cpus-per-task="$cpus_per_task") ;;
    mpirun)  # Open MPI detects the allocation: no -np, no hostfile
      launch=(mpirun -x OMP_NUM_THREADS)
      ((cpus_per_task > 1)) && launch+=(--map-by "slot:PE=$cpus_per_task")
      ;;
    *) say "error: PARLAYER_LAUNCHER must be srun or mpirun, got '$launcher'"; exit 2 ;;
  esac

  local model=$1 config=$2
  shift 2
  say "starting: $launcher, ${SLURM_NTASKS:-?} tasks x $cpus_per_task threads, output $output ${restart[*]}"
  # The launcher's stderr is also kept aside: Slurm 22.05's srun can exit 0 after "launch failed".
  local launcher_errors
  launcher_errors=$(mktemp "${TMPDIR:-/tmp}/${job_tag%%.*}-sbatch-errors.XXXXXX")
  "${launch[@]}" "$model" --config "$config" --output "$output" "${folder[@]}" "${restart[@]}" "$@" 2> >(tee -a "$launcher_errors" >&2) &
  launcher_pid=$!

  # B: signals reach this shell only: hand them on as USR1 (checkpoint and stop). srun and mpirun
  # both forward USR1 to every rank.
  trap 'forward USR1' USR1
  trap 'forward TERM' TERM

  # `wait` returns early whenever a trapped signal arrives: wait until the launcher has really exited.
  local rc
  wait "$launcher_pid"
  rc=$?
  while kill -0 "$launcher_pid" 2>/dev/null; do
    wait "$launcher_pid"
    rc=$?
  done

  if ((rc == 0)) && grep -q 'launch failed' "$launcher_errors"; then
    say "error: $launcher reported a task launch failure but exited 0: treating the run as failed"
    rc=1
  fi
  rm -f -- "$launcher_errors"

  if ((rc == requeue_exit_code)); then
    say "model checkpointed before the limit: requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
    exit 0
  fi
  say "model exited with $rc"
  exit "$rc"
}

forward() { say "got $1: asking the model to checkpoint and stop"; kill -USR1 "$launcher_pid" 2>/dev/null; }
