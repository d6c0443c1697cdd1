# shellcheck shell=bash disable=SC2034
# scripts/lib/netns.sh - shared shell helpers for running an sddf system
# inside a network namespace and talking to it from Linux's own stack.
# Sourced (bash) by scripts/run-echo-server.sh and tests/integration/*.sh.
#
# Network rule: everything happens inside namespaces created here (unique
# names, deleted by ns_cleanup), with addresses from 198.18.0.0/15. Nothing
# touches the root namespace's interfaces. Every wait is bounded.
#
# Callers set ROOT (repo root) and BUILD (build dir), call ns_create, and
# install `trap ns_cleanup EXIT` (plus INT/TERM) before starting anything.

# Namespaces created by ns_create, and `sddf run` processes started by sddf_start.
NS_CREATED=()
SDDF_PIDS=()

# log MSG...: progress to stderr, prefixed with the script's name.
log() {
    echo "${LOG_PREFIX:-sddf}: $*" >&2
}

# ns_create NAME: create an empty namespace with lo up.
ns_create() {
    ip netns add "$1" || return 1
    NS_CREATED+=("$1")
    ip -n "$1" link set lo up
}

# proc_alive PID: true if PID exists and is not a zombie.
proc_alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# wait_exit PID TIMEOUT_S: wait (bounded) until PID is gone or a zombie.
# Returns 0 if it ended in time, 1 otherwise.
wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while proc_alive "$pid"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
    return 0
}

# ns_cleanup: stop every sddf started here, kill whatever is left in our
# namespaces, delete them. Safe to call more than once and from a trap.
ns_cleanup() {
    local pid ns left
    for pid in "${SDDF_PIDS[@]}"; do
        if proc_alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null
            wait_exit "$pid" 10 || kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    SDDF_PIDS=()
    for ns in "${NS_CREATED[@]}"; do
        left=$(ip netns pids "$ns" 2>/dev/null)
        if [ -n "$left" ]; then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null
            sleep 0.2
        fi
        ip netns del "$ns" 2>/dev/null
    done
    NS_CREATED=()
}

# sddf_start NS LOGFILE SDDF_RUN_ARGS...: start `sddf run ARGS` in NS in the
# background, stdout+stderr to LOGFILE. Sets SDDF_PID. SIGINT is reset to its
# default (bash ignores it in background jobs), as from a terminal.
sddf_start() {
    local ns=$1 logf=$2
    shift 2
    ip netns exec "$ns" env --default-signal=INT,QUIT "$BUILD/sddf" run "$@" >"$logf" 2>&1 &
    SDDF_PID=$!
    SDDF_PIDS+=("$SDDF_PID")
}

# sddf_stop SIGNAL TIMEOUT_S: signal the sddf started last and wait for it.
# Sets SDDF_RC to its exit status (or 124 if it did not exit in time and had
# to be killed).
sddf_stop() {
    kill -"$1" "$SDDF_PID" 2>/dev/null
    if wait_exit "$SDDF_PID" "$2"; then
        wait "$SDDF_PID"
        SDDF_RC=$?
    else
        kill -KILL "$SDDF_PID" 2>/dev/null
        wait "$SDDF_PID" 2>/dev/null
        SDDF_RC=124
    fi
}

# sddf_wait_exit TIMEOUT_S: wait for the sddf started last to end on its own;
# sets SDDF_RC (124 if still running after TIMEOUT_S; it is left running).
sddf_wait_exit() {
    if wait_exit "$SDDF_PID" "$1"; then
        wait "$SDDF_PID"
        SDDF_RC=$?
    else
        SDDF_RC=124
    fi
}

# wait_tap NS IFNAME TIMEOUT_S: wait until IFNAME exists in NS and is UP.
wait_tap() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        if ip -n "$1" -o link show "$2" 2>/dev/null | grep -q '[<,]UP[,>]'; then
            return 0
        fi
        proc_alive "$SDDF_PID" || return 1
        sleep 0.1
    done
    return 1
}

# wait_ping NS IP TIMEOUT_S: wait until IP answers one ping from NS.
wait_ping() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
        proc_alive "$SDDF_PID" || return 1
        sleep 0.2
    done
    return 1
}

# pd_pid LOGFILE PDNAME: the pid the monitor reported for PDNAME.
pd_pid() {
    sed -n "s/^sddf: started PD '$2' (pid \([0-9]*\)).*/\1/p" "$1" | tail -n 1
}

# pd_names LOGFILE: every PD name the monitor reported starting, one a line.
pd_names() {
    sed -n "s/^sddf: started PD '\([^']*\)' (pid [0-9]*).*/\1/p" "$1"
}

# stat_value LOGFILE PDNAME COUNTER: a counter from the `--stats` lines (empty if absent).
stat_value() {
    sed -n "s/^sddf: stats $2 .*[[:space:]]$3=\([0-9]*\).*/\1/p;s/^sddf: stats $2 $3=\([0-9]*\).*/\1/p" \
        "$1" | tail -n 1
}

# stats_line LOGFILE PDNAME: the whole `--stats` line of PDNAME (without the prefix).
stats_line() {
    sed -n "s/^sddf: stats $2 //p" "$1" | tail -n 1
}

# kv LINE KEY: the value of KEY=VALUE in a result line.
kv() {
    local w
    for w in $1; do
        case "$w" in "$2="*) echo "${w#*=}" && return 0 ;; esac
    done
    return 1
}

# ---- The echo server example (examples/echo_server/echo_server.system) ----

ECHO_SYSTEM=examples/echo_server/echo_server.system
ECHO_TAP=sddftap0
ECHO_CLIENTS=(198.18.0.2 198.18.0.3)

# echo_traffic NS OUTDIR: the main job's traffic against every echo client,
# from Linux's stack in NS: 5 pings, 1000 UDP echoes of 1..1472 bytes, one
# 4 MiB TCP echo, then 3 concurrent TCP connections of 1 MiB each; every
# echo compared byte for byte (bench/loadgen/echo_check). Results go to
# OUTDIR/{ping,echo,conc}-IP.txt. Returns the number of failed steps.
echo_traffic() {
    local ns=$1 out=$2 ip fails=0
    for ip in "${ECHO_CLIENTS[@]}"; do
        log "ping $ip (5 times)"
        ip netns exec "$ns" ping -n -c 5 -i 0.2 -W 2 -w 10 "$ip" >"$out/ping-$ip.txt" 2>&1 ||
            { log "FAIL: ping $ip"; fails=$((fails + 1)); }
        log "UDP (1000 echoes, 1..1472 bytes) and TCP (4 MiB) echo to $ip"
        ip netns exec "$ns" "$BUILD/echo_check" --udp 1000 --tcp-bytes 4194304 --phase-ms 60000 \
            "$ip" >"$out/echo-$ip.txt" 2>&1 ||
            { log "FAIL: echo_check $ip"; fails=$((fails + 1)); }
        log "TCP echo, 3 concurrent connections of 1 MiB, to $ip"
        ip netns exec "$ns" "$BUILD/echo_check" --udp 0 --tcp-conns 3 --tcp-bytes 1048576 \
            --phase-ms 60000 "$ip" >"$out/conc-$ip.txt" 2>&1 ||
            { log "FAIL: concurrent echo_check $ip"; fails=$((fails + 1)); }
    done
    return $fails
}

# ping_summary FILE: "sent=N received=N" from a ping output file.
ping_summary() {
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/sent=\1 received=\2/p' "$1"
}
