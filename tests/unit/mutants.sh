#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each test-only mutant of hv (tests/unit/unit.mk, UNIT_MUTANTS) and
# checks that it is killed: its test binary fails, and the test case that
# is meant to catch it is among the failures. One line per mutant; exits
# non-zero if any survives.
#
# usage: mutants.sh UNIT_OUT name:SWITCH:binary:case...
out=$1
shift
survived=0
for spec in "$@"; do
	IFS=: read -r name switch bin case <<EOF
$spec
EOF
	exe=$out/mutant-$name/test_$bin
	log=$out/mutant-$name/test_$bin.log
	# The fake arch bounds every run (FAKE_MAX_RUNS), so a hang is the
	# harness's bug, not a kill.
	CMOCKA_MESSAGE_OUTPUT=stdout timeout 120 "$exe" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "mutant $name ($switch): SURVIVED test_$bin"
		survived=1
	elif grep -q "^\[  FAILED  \] $case\$" "$log"; then
		echo "mutant $name ($switch): killed by test_$bin $case"
	else
		# Failed, but not where it should have been caught: the test
		# meant for it would have let it through.
		echo "mutant $name ($switch): test_$bin failed (exit $rc) but not in $case; see $log"
		survived=1
	fi
done
exit $survived
