# check.sh - the pass/fail reporting of the shell test scripts (tests/dist, tests/packages):
# one "ok"/"FAIL" line per check and the counts for the closing "N passed, M failed" line.
# Source it after setting $work (the script's scratch folder, which holds a check's output).
passed=0
failed=0
ok() {
  echo "ok   $*"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $*"
  failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds; a failure shows the command's
# output (its last $check_tail lines when set).
check() {
  local what=$1
  shift
  if "$@" >"$work/out" 2>&1; then ok "$what"; else
    fail "$what"
    if [ -n "${check_tail:-}" ]; then
      sed 's/^/     /' "$work/out" | tail -n "$check_tail"
    else
      sed 's/^/     /' "$work/out"
    fi
  fi
}
