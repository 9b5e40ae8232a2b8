# bench/lib.sh: shell functions shared by bench/run and bench/depth; sourced,
# not run. The named server configurations, starting and stopping servers on
# unix sockets in a private temp dir, and reading a server's CPU time, disk
# writes and memory from /proc.
#
# Server names (the `--servers` of bench/run and bench/depth):
#   beanstalkd          beanstalkd in memory (no -b)
#   beanstalkd-fMS      beanstalkd -b DIR -f MS (MS = 0: fsync every write)
#   beanstalkd-F        beanstalkd -b DIR -F (binlog, never fsync)
#   spoold-always       spoold --durability always --state-directory DIR
#   spoold-intervalMS   spoold --durability interval:MS --state-directory DIR
#   spoold-nosync       spoold --durability nosync --state-directory DIR
#   spoold-off          spoold --durability off (memory only)
#   spoold-...+watched  any spoold server above with --http on a unix socket,
#                       watched while it runs: its dashboard's feed held open
#                       and /metrics scraped every second (issue #18's cost)
#   spoold              spoold --state-directory DIR and SPOOLD_ARGS only
#                       (durability always unless SPOOLD_ARGS say otherwise)
#   baseline-spoold...  any spoold server above, run with SPOOLD_BASELINE (an
#                       earlier build) instead of SPOOLD: before and after a
#                       change, in one run
#   redis-always        redis-server --appendonly yes --appendfsync always
#                       (fsync the append-only file before every reply)
#   redis-everysec      redis-server --appendonly yes --appendfsync everysec
#   redis               redis-server --appendonly no --save '' (memory only)
# Every Redis runs with --port 0 --unixsocket SOCK --save '' --dir DIR
# --daemonize no; it is our own process on our own socket, so a Redis that
# Debian's package may have started as a service does not matter. The loadgen
# speaks RESP to it (--protocol redis): LPUSH for put, BRPOP for reserve +
# delete.
#
# The sourcing script sets, before it calls these functions:
#   prog                    its name, for messages ("bench/run")
#   here                    the bench/ directory
#   SPOOLD, SPOOLD_BASELINE spoold binaries
#   spoold_args, beanstalkd_args, redis_args
#                           arrays, extra arguments put last on every server
#                           of that kind, so they override its own
#   pin                     array, a prefix pinning servers and loadgen to CPUs
#                           (taskset -c LIST), or empty
#   spoold_hint             (optional) appended to "set SPOOLD" when spoold is
#                           missing, e.g. ", or use --only-beanstalkd"
# bench_init sets `work` (the temp dir), `fstype`, `fsdev` (its file system)
# and `loadgen` (array: the compiled loadgen with --timeout); start_server
# records each server's PID in `pid` (name -> PID).

declare -A pid=()
work=/nonexistent

# The command line of server $1, with its state, binlog or Redis directory $2
# (if it keeps one), into the array `cmd`; fails for an unknown name.
server_command() {
    local name=${1%+watched} dir=$2 sock=$work/$1.sock binary=$SPOOLD
    if [[ $name == baseline-spoold* ]]; then
        binary=${SPOOLD_BASELINE:-}
        name=${name#baseline-}
    fi
    local -a redis=(redis-server --port 0 --unixsocket "$sock" --daemonize no --save "" --dir "$dir")
    case $name in
        beanstalkd) cmd=(beanstalkd -l "unix:$sock") ;;
        beanstalkd-F) cmd=(beanstalkd -l "unix:$sock" -b "$dir" -F) ;;
        beanstalkd-f*)
            [[ ${name#beanstalkd-f} =~ ^[0-9]+$ ]] || return 1
            cmd=(beanstalkd -l "unix:$sock" -b "$dir" -f "${name#beanstalkd-f}") ;;
        spoold) cmd=("$binary" -l "unix:$sock" --state-directory "$dir") ;;
        spoold-always | spoold-nosync)
            cmd=("$binary" -l "unix:$sock" --durability "${name#spoold-}" --state-directory "$dir") ;;
        spoold-interval*)
            [[ ${name#spoold-interval} =~ ^[1-9][0-9]*$ ]] || return 1
            cmd=("$binary" -l "unix:$sock" --durability "interval:${name#spoold-interval}"
                --state-directory "$dir") ;;
        spoold-off) cmd=("$binary" -l "unix:$sock" --durability off) ;;
        redis-always | redis-everysec)
            cmd=("${redis[@]}" --appendonly yes --appendfsync "${name#redis-}") ;;
        redis) cmd=("${redis[@]}" --appendonly no) ;;
        *) return 1 ;;
    esac
    case $name in
        beanstalkd*) cmd+=("${beanstalkd_args[@]}") ;;
        spoold*) cmd+=("${spoold_args[@]}") ;;
        redis*) cmd+=("${redis_args[@]}") ;;
    esac
    # NAME+watched: spoold with its HTTP listener, watched as an admin would
    # (see watch_server).
    if [[ $1 == spoold*+watched ]]; then cmd+=(--http "unix:$work/$1.http"); fi
}

# Watch spoold server $1 as an admin does while it runs: its dashboard's
# live feed held open (/events) and /metrics scraped every second, each with
# curl on the HTTP socket. Runs until killed with the server.
watch_server() {
    local http=$work/$1.http
    curl -sN --unix-socket "$http" http://spool/events >/dev/null &
    while sleep 1; do curl -s --unix-socket "$http" http://spool/metrics >/dev/null || true; done
}

# The loadgen --protocol for server $1.
server_protocol() {
    case $1 in
        redis*) echo redis ;;
        *) echo beanstalkd ;;
    esac
}

# Whether server $1 gets a directory of its own (state, binlog, Redis --dir).
server_has_dir() { [[ $1 != beanstalkd && ${1%+watched} != *spoold-off ]]; }

# Whether server $1 writes its jobs to disk (and fsync matters).
server_is_durable() { [[ $1 != beanstalkd && ${1%+watched} != *spoold-off && $1 != redis ]]; }

# Whether server $1 keeps every job in memory, whatever it writes to disk:
# beanstalkd (its binlog is only for recovery), Redis, spoold --durability off.
server_in_memory() { [[ $1 == beanstalkd* || $1 == redis* || ${1%+watched} == *spoold-off ]]; }

# Check the server names $@ and that their programs exist; installs Debian's
# beanstalkd or redis-server when missing. Exits on an error.
check_servers() {
    local s
    local -a cmd
    for s in "$@"; do
        server_command "$s" /nonexistent || { echo "$prog: unknown server $s" >&2; exit 1; }
        case $s in
            beanstalkd*) apt_install beanstalkd beanstalkd ;;
            redis*) apt_install redis-server redis-server ;;
            spoold*)
                [[ -x $SPOOLD ]] || {
                    echo "$prog: spoold not found at $SPOOLD (set SPOOLD${spoold_hint:-})" >&2
                    exit 1
                } ;;
            baseline-spoold*)
                [[ -x ${SPOOLD_BASELINE:-} ]] || {
                    echo "$prog: $s needs SPOOLD_BASELINE, an executable spoold" >&2
                    exit 1
                } ;;
        esac
    done
}

# Install Debian package $2 unless command $1 exists.
apt_install() {
    command -v "$1" >/dev/null && return 0
    apt-get install -y "$2" >&2 || { apt-get update >&2 && apt-get install -y "$2" >&2; }
}

# Create the temp dir (prefix $1) under $BENCH_TMPDIR (default /var/tmp: a
# disk, not tmpfs, so fsync is real), removed with the servers on exit; warn
# when it is on tmpfs and $2 is 1 (a durable server is among those to run).
# Compile the loadgen into it, with --timeout $3.
bench_init() {
    work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/$1.XXXXXX")
    trap cleanup EXIT
    read -r fstype fsdev <<<"$(df --output=fstype,source "$work" | tail -n 1)"
    echo "temp dir: $work ($fstype on $fsdev)" >&2
    if (($2)) && [[ $fstype == tmpfs || $fstype == ramfs ]]; then
        echo "$prog: warning: $work is on $fstype, where fsync costs nothing;" \
            "set BENCH_TMPDIR to a directory on a disk" >&2
    fi
    cc -O2 -Wall -Wextra -pthread -o "$work/loadgen" "$here/loadgen.c"
    loadgen=("${pin[@]}" "$work/loadgen" --timeout "$3")
}

cleanup() {
    local p
    for p in "${pid[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    for p in "${pid[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

# Start server $1 on $work/NAME.sock, its directory $work/NAME.state, its log
# $work/NAME.log; ready once a 1-job loadgen run succeeds (a Redis that is
# still loading its append-only file answers -LOADING, which fails the run).
start_server() {
    local name=$1 sock=$work/$1.sock dir=$work/$1.state i
    local -a cmd
    server_command "$name" "$dir"
    ! server_has_dir "$name" || mkdir -p "$dir"
    echo "$name: ${cmd[*]}" >&2
    "${pin[@]}" "${cmd[@]}" >"$work/$name.log" 2>&1 &
    pid[$name]=$!
    for ((i = 0; i < 100; i++)); do
        if "${loadgen[@]}" --addr "unix:$sock" --protocol "$(server_protocol "$name")" \
            --jobs 1 >/dev/null 2>&1; then
            if [[ $name == *+watched ]]; then
                watch_server "$name" &
                pid[$name/watcher]=$!
            fi
            return
        fi
        kill -0 "${pid[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "$prog: $name did not come up; its log:" >&2
    cat "$work/$name.log" >&2
    exit 1
}

# Stop server $1 with SIGKILL (its state is thrown away: no clean shutdown
# needed) and remove its socket, directory and log.
stop_server() {
    local name=$1
    if [[ -n ${pid[$name/watcher]:-} ]]; then
        pkill -P "${pid[$name/watcher]}" 2>/dev/null || true
        kill "${pid[$name/watcher]}" 2>/dev/null || true
        unset "pid[$name/watcher]"
    fi
    kill -9 "${pid[$name]}" 2>/dev/null || true
    wait "${pid[$name]}" 2>/dev/null || true
    unset "pid[$name]"
    rm -rf "$work/$name.sock" "$work/$name.state" "$work/$name.log"
}

# CPU time (clock ticks, all threads) used so far by process $1.
cpu_ticks() {
    local stat
    local -a f
    stat=$(<"/proc/$1/stat")
    read -ra f <<<"${stat##*) }" # fields from 3 (state) on
    echo $((f[11] + f[12]))      # utime (14) + stime (15)
}

# Bytes process $1 (all its threads, and children it has reaped) has caused
# to be written to storage so far: write_bytes of /proc/PID/io, empty when
# unreadable. The kernel counts a page when a write dirties it (4096 B for a
# clean page, nothing more for one already dirty) or at submission for direct
# I/O: after an fsync every write dirties a clean page again, so this is close
# to what the device is asked to write, less the file system's journal.
write_bytes() {
    local key value
    while read -r key value; do
        [[ $key == write_bytes: ]] && { echo "$value"; return 0; }
    done 2>/dev/null <"/proc/$1/io" || true
}

# Resident memory (VmRSS of /proc/PID/status) of process $1, in bytes.
rss_bytes() {
    local key value
    while read -r key value _; do
        [[ $key == VmRSS: ]] && { echo $((value * 1024)); return 0; }
    done <"/proc/$1/status"
    return 1
}

# Value of KEY in a "k=v k=v ..." line.
field() {
    local key=$1 kv
    for kv in $2; do
        [[ $kv == "$key="* ]] && { echo "${kv#*=}"; return; }
    done
}
