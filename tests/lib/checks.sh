# Helpers shared by the shell-driven tests (sourced): TAP-like check lines, the summary line,
# skipping, a scratch folder, a hang guard, a private mount namespace.
#
#   source "$(dirname "$0")/../lib/checks.sh"
#   check "what must hold" COMMAND...   # prints "ok - ..." or "not ok - ..."
#   ...
#   finish                              # "N passed, M failed"; fails if any check failed
#
# Sourcing it defines functions and sets the counters checks_passed and checks_failed to 0,
# nothing else: it reads no arguments (source it without any, so that $1.. stay the script's),
# changes no shell option (set -u / pipefail stay the script's choice) and sets no other variable.
# The functions read and set these variables of the script, as each one says:
#   out          the output of the test's last run: a failing check shows its last lines
#   checks_tail  how many last lines of $out a failing check shows (default 20; 0: all of them)
#   work         the scratch folder (make_scratch)
#   watchdog     the pid of the last hang guard (watchdog)
# Exit status 77 means skipped: each of these tests has the ctest property SKIP_RETURN_CODE 77.
# shellcheck shell=bash
checks_passed=0 checks_failed=0

# check DESCRIPTION COMMAND...: runs COMMAND in this shell (so it may set variables such as rc and
# out) and prints "ok - DESCRIPTION", or "not ok - DESCRIPTION" followed by the last lines of
# $out, indented; counts the outcome.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok - $what"
    checks_passed=$((checks_passed + 1))
  else
    echo "not ok - $what"
    checks_show_out
    checks_failed=$((checks_failed + 1))
  fi
}
# captured COMMAND...: runs COMMAND in a subshell and keeps its stdout and stderr in out instead of
# printing them (check "..." captured COMMAND... shows them only if COMMAND fails); COMMAND's status.
captured() { out=$("$@" 2>&1); }
# checks_show_out: the last checks_tail lines of $out (all if checks_tail is 0), indented.
checks_show_out() {
  [[ -n ${out:-} ]] || return 0
  if ((${checks_tail:-20} > 0)); then
    printf '%s\n' "$out" | tail -n "${checks_tail:-20}" | sed 's/^/    | /'
  else
    printf '%s\n' "$out" | sed 's/^/    | /'
  fi
}
# finish: the summary line "N passed, M failed"; its status is non-zero if any check failed (the
# last command of a test, so that it is the test's exit status).
finish() {
  echo "$checks_passed passed, $checks_failed failed"
  ((checks_failed == 0))
}
# bail_out DESCRIPTION: a step the remaining checks cannot do without has failed: "not ok -
# DESCRIPTION" (with the last lines of $out), the summary line, exit 1.
bail_out() {
  echo "not ok - $1"
  checks_show_out
  checks_failed=$((checks_failed + 1))
  finish
  exit 1
}
# skip REASON...: prints "SKIP: REASON" and exits 77 (ctest: skipped).
skip() {
  echo "SKIP: $*"
  exit 77
}

# make_scratch PREFIX: a private scratch folder PREFIX-XXXXXX in work, removed on exit together
# with whatever the test mounted below it (KEEP_WORK=1 keeps it for a look). Sets the EXIT trap.
make_scratch() {
  work=$(mktemp -d "$1-XXXXXX") || exit 1
  checks_work=$work
  trap checks_remove_work EXIT
}
# checks_remove_work: removes the folder make_scratch made (that one only; its mounts first).
checks_remove_work() {
  [[ -n ${checks_work:-} && -d $checks_work ]] || return 0
  if [[ -n ${KEEP_WORK:-} ]]; then
    echo "# kept $checks_work"
    return 0
  fi
  # Mounts this test made under the folder (inside its private namespace) go first.
  local m
  for m in $(awk -v w="$checks_work/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m"
  done
  rm -rf -- "$checks_work"
}

# watchdog SECONDS COMMAND...: a hang guard, never a speed limit: runs COMMAND (for instance
# kill -TERM "$job") in the background after SECONDS. Sets watchdog to its pid; `kill "$watchdog"`
# ends it at once: short sleeps and no inherited output, so ctest never waits for a stray sleep
# holding its pipe.
watchdog() {
  (
    exec >/dev/null 2>&1
    trap 'exit 0' TERM
    for ((i = 0; i < $1 * 10; ++i)); do sleep 0.1; done
    "${@:2}"
  ) &
  watchdog=$!
}

# in_private_mounts ARGS...: unless already there, runs this script ($0) again with ARGS (give it
# the script's own arguments) inside a user + mount namespace, where it is root and may mount tmpfs
# and remount bind mounts read-only; where the kernel refuses that, skips with its reason.
in_private_mounts() {
  if [[ -z ${PARLAYER_IN_NAMESPACE:-} ]]; then
    local why
    why=$(unshare -Urm true 2>&1) ||
      skip "unshare -Urm is not permitted here ($why): cannot make a read-only or full file system without privileges"
    PARLAYER_IN_NAMESPACE=1 exec unshare -Urm "$0" "$@"
  fi
}
