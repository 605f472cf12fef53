# Shared by the checkpoint shell tests (sourced). Usage of a test: check_xxx TOOL [MODE]
# `timeout` only guards against a hang (the failure under test); it is never a speed threshold.
# shellcheck shell=bash
set -uo pipefail
# check, finish, skip, in_private_mounts, watchdog, make_scratch (no arguments: $1.. stay ours)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
tool=$1
mpiexec=${PARLAYER_MPIEXEC:-mpiexec}
np=${NP:-3}
out="" rc=0 work=""

# make_work: a private scratch folder, removed on exit.
make_work() { make_scratch "${TMPDIR:-/tmp}/parlayer-ckpt-sh"; }

# run ARGS... : the tool under mpiexec on $np ranks → sets rc and out (stdout+stderr)
run() {
  out=$(timeout 60 "$mpiexec" -q --oversubscribe -np "$np" "$tool" "$@" 2>&1)
  rc=$?
}
# The job ended by itself with a CollectiveError: exit 2, one "error:" line, no crash, no hang.
clean_error() {  # clean_error TEXT
  [[ $rc -eq 2 ]] && [[ $(grep -c '^error: ' <<<"$out") -eq 1 ]] && grep -q -- "$1" <<<"$out" &&
    ! grep -qiE 'segmentation|signal [0-9]+|core dumped|MPI_ABORT' <<<"$out"
}
# no_fallocate COMMAND...: COMMAND (a program or a function such as run) on a file system
# "without fallocate": the LD_PRELOAD shim in $PARLAYER_NO_FALLOCATE makes fallocate fail with
# EOPNOTSUPP in every process started (mpiexec passes the environment on to the ranks).
no_fallocate() { LD_PRELOAD=${PARLAYER_NO_FALLOCATE:?} "$@"; }
# leave_free FOLDER KB: fills the file system of FOLDER (a tmpfs) with FOLDER/filler until exactly
# KB kB are available (KB a multiple of 4: tmpfs counts pages).
leave_free() {
  rm -f "$1/filler"
  local avail
  avail=$(df --output=avail -k "$1" | tail -n 1 | tr -d ' ')
  ((avail >= $2)) || return 1
  dd if=/dev/zero of="$1/filler" bs=1k count=$((avail - $2)) 2>/dev/null || return 1
  [[ $(df --output=avail -k "$1" | tail -n 1 | tr -d ' ') -eq $2 ]]
}
# Fingerprint of the committed generations in a folder (names and sha256).
fingerprint() { (cd "$1" && sha256sum ckpt_*.h5 2>/dev/null); }
