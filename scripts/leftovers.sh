#!/usr/bin/env bash
# Runs a command, then fails if it left behind a process of the project's kind or a listening TCP socket that was not
# there before. Silent when nothing is left, so the command's own last line (the test summary) stays the last line.
# Usage: scripts/leftovers.sh COMMAND [ARGS...]
set -uo pipefail
pattern='meshtop-(prometheus|testbed|e-)|dist/cli\.js|kube-apiserver|kube-controller|kube-scheduler|kwok|/etcd |meshtop (sim|demo)'
processes() { ps -eo pid=,args= | grep -E "$pattern" | grep -v -E 'grep|leftovers\.sh' | awk '{print $1}' | sort; }
listening() { awk 'NR > 1 && $4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u; }
procs_before=$(processes)
ports_before=$(listening)
"$@"
status=$?
# What is stopping gets 10 s; clean twice in a row, a second apart, counts as clean.
clean=0
for _ in $(seq 1 20); do
	sleep 1
	new_procs=$(comm -13 <(echo "$procs_before") <(processes))
	new_ports=$(comm -13 <(echo "$ports_before") <(listening))
	if [ -z "$new_procs$new_ports" ]; then
		clean=$((clean + 1))
		[ "$clean" -ge 2 ] && exit "$status"
	else
		clean=0
	fi
done
echo "leftovers: the run left processes or listening sockets behind:" >&2
for pid in $new_procs; do ps -o pid=,args= -p "$pid" | cut -c1-160 >&2; done
for address in $new_ports; do echo "  listening on $address (hex ip:port)" >&2; done
exit 1
