# shellcheck shell=bash
# Shared by scripts/run, test, bench and fuzz: installing what is missing,
# building, and starting/stopping a private MariaDB, the huzu pool and nginx.
# Every process started here is recorded and stopped by hz_stop_all.

HZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HZ_MARIADBD=/usr/sbin/mariadbd

# What running needs; testing, fuzzing and benchmarking add theirs.
HZ_PKGS_RUN=(build-essential cmake pkg-config libfcgi-dev libjwt-dev
	libmariadb-dev libcjson-dev libqrencode-dev libpng-dev libsodium-dev
	libcurl4-openssl-dev libssl-dev libvips-dev nginx-light mariadb-server mariadb-client
	nodejs npm curl)
HZ_PKGS_TEST=(libcmocka-dev chromium fonts-wqy-zenhei zbar-tools libxml2-utils clang logrotate wrk
	libclang-rt-14-dev libvips-tools libimage-exiftool-perl)
HZ_PKGS_BENCH=(wrk)
HZ_PKGS_COVERAGE=(gcovr)
# A Galera cluster (scripts/cluster, its tests): the provider, and rsync
# for state transfers (SST), lighter than mariadb-backup (a second copy
# of the server's engine) and enough on one host. mariadb-server
# recommends all three, so apt usually has them already; socat and
# iproute2 (ss) serve wsrep_sst_rsync.
# libfcgi-bin: cgi-fcgi, to ask one pool directly on its socket (the
# banner's health command).
HZ_PKGS_CLUSTER=(galera-4 rsync socat iproute2 libfcgi-bin)

hz_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
hz_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

hz_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else hz_die "need root to run: $*"
	fi
}

# Installs the Debian packages that are missing (and only those).
hz_deps() {
	local p missing=()
	for p in "$@"; do
		# node/npm may come from elsewhere (nodesource, nvm): a working
		# binary is enough.
		case $p in
		nodejs) command -v node >/dev/null && continue ;;
		npm) command -v npm >/dev/null && continue ;;
		esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	hz_say "installing ${missing[*]}"
	# Keep apt from starting system nginx/MariaDB services: we run our own.
	local policy=/usr/sbin/policy-rc.d made=
	if [ ! -e $policy ]; then
		printf '#!/bin/sh\nexit 101\n' | hz_as_root tee $policy >/dev/null
		hz_as_root chmod 755 $policy
		made=1
	fi
	hz_as_root apt-get update -qq
	hz_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		"${missing[@]}" >/dev/null
	local rc=$?
	[ -n "$made" ] && hz_as_root rm -f $policy
	[ $rc -eq 0 ] || hz_die "apt-get install failed"
}

# npm ci in $1 when node_modules is missing or older than the lock file.
hz_npm() {
	local dir=$1
	if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
		[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		hz_say "npm ci in ${dir#"$HZ_ROOT"/}"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
			hz_die "npm ci failed in $dir"
	fi
}

# hz_build DIR [cmake -D...]: configure once, build incrementally.
hz_build() {
	local dir=$1; shift
	cmake -S "$HZ_ROOT" -B "$dir" "$@" >/dev/null || hz_die "cmake failed"
	cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1 ||
		{ tail -40 "$dir/build.log"; hz_die "build failed ($dir/build.log)"; }
}

# A TCP port nobody listens on (checked, not reserved), outside the kernel's
# ephemeral range: a port in it can be taken, between this check and the
# bind, by any outgoing connection (wrk's, curl's, this check's own), and
# nginx then fails with "Address already in use".
hz_free_port() {
	local p i lo=32768 hi=60999 from=10000 to
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || :
	if [ "$lo" -gt 12000 ] 2>/dev/null; then to=$lo
	elif [ "$hi" -lt 63000 ] 2>/dev/null; then from=$((hi + 1)) to=65536
	else from=20000 to=60000; fi   # no room outside it: anywhere, checked
	for i in $(seq 1 50); do
		p=$((from + RANDOM % (to - from)))
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
	done
	hz_die "no free port found"
}

HZ_PIDS=()

hz_wait_for() { # hz_wait_for SECONDS what cmd...
	local t=$1 what=$2 i; shift 2
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	hz_die "$what did not come up in ${t}s"
}

# --- MariaDB ---------------------------------------------------------------
# hz_db_* take the instance folder D: data in D/data, socket D/mysql.sock.

# The system user mariadbd runs as: ours, or HZ_DB_USER (a Galera node
# started by root runs as mysql: see hz_galera_spawn). Its folder is
# handed to it.
hz_db_user() { echo "${HZ_DB_USER:-$(id -un)}"; }

hz_db_init() {
	local d=$1
	[ -d "$d/data/mysql" ] && return 0
	mkdir -p "$d/data"
	[ "$(hz_db_user)" = "$(id -un)" ] || chown -R "$(hz_db_user)" "$d"
	hz_say "initialising MariaDB in $d"
	mariadb-install-db --no-defaults --datadir="$d/data" --user="$(hz_db_user)" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$d/install.log" 2>&1 || { cat "$d/install.log"; hz_die "mariadb-install-db failed"; }
}

# hz_db_spawn D: starts mariadbd in the background and returns at once; its
# pid is $! and D/mysqld.pid. Not recorded in HZ_PIDS: hz_db_start does
# that, scripts/run puts a restarted one in the place of the one that died.
hz_db_spawn() {
	local d=$1
	# Durable commits (innodb_flush_log_at_trx_commit=1), as in production.
	setsid "$HZ_MARIADBD" --no-defaults --datadir="$d/data" \
		--socket="$d/mysql.sock" --pid-file="$d/mysql.pid" \
		--log-error="$d/mariadb.log" --user="$(hz_db_user)" --skip-networking \
		--skip-name-resolve --character-set-server=utf8mb4 \
		--collation-server=utf8mb4_unicode_ci \
		--innodb-buffer-pool-size=256M --innodb-log-file-size=128M \
		--innodb-flush-log-at-trx-commit=1 --max-connections=500 \
		${HZ_DB_ARGS:-} </dev/null >/dev/null 2>&1 &
	echo $! >"$d/mysqld.pid"
}

# hz_db_ping D: true when the MariaDB of D answers.
hz_db_ping() {
	mariadb-admin --no-defaults -S "$1/mysql.sock" -u "$(id -un)" ping >/dev/null 2>&1
}

hz_db_start() {
	local d=$1
	hz_db_spawn "$d"
	HZ_PIDS+=($!)
	hz_wait_for 60 "MariaDB" hz_db_ping "$d"
}

hz_db_stop() {
	local d=$1 pid
	pid=$(cat "$d/mysqld.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
}

# hz_db_sql D: runs SQL from stdin as the administrative (socket) user.
hz_db_sql() {
	mariadb --no-defaults -S "$1/mysql.sock" -u "$(id -un)" --batch
}

# hz_db_create D NAME PASSWORD: database NAME and user huzu (all rights on
# it). The password goes through stdin, never argv.
hz_db_create() {
	hz_db_sql "$1" <<SQL
CREATE DATABASE IF NOT EXISTS \`$2\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'huzu'@'localhost' IDENTIFIED BY '$3';
ALTER USER 'huzu'@'localhost' IDENTIFIED BY '$3';
GRANT ALL PRIVILEGES ON \`$2\`.* TO 'huzu'@'localhost';
SQL
}

# --- Galera ----------------------------------------------------------------
# A cluster of N nodes under C: node I in C/nodeI, an instance folder as
# above (hz_db_ping, hz_db_sql and hz_db_stop take it), with the ports of
# its replication (gcomm), incremental (IST) and full (SST) state transfers
# in C/nodeI/ports. Everything on 127.0.0.1.

HZ_GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so
# As root, the nodes run as mysql (the Debian package's user): a joining
# node's rsync daemon, started by root, would write its state transfer as
# nobody, who may not write into the data folder.
[ "$(id -u)" -eq 0 ] && HZ_GALERA_USER=mysql || HZ_GALERA_USER=$(id -un)

# hz_galera_ports C N: three free ports per node, all different, written
# once (a restart keeps them, so that the nodes find each other again).
hz_galera_ports() {
	local c=$1 n=$2 i p used=() three
	for ((i = 1; i <= n; i++)); do
		[ -s "$c/node$i/ports" ] || continue
		read -r -a three <"$c/node$i/ports"
		used+=("${three[@]}")
	done
	for ((i = 1; i <= n; i++)); do
		[ -s "$c/node$i/ports" ] && continue
		mkdir -p "$c/node$i"
		three=()
		while [ ${#three[@]} -lt 3 ]; do
			p=$(hz_free_port)
			[[ " ${used[*]} " == *" $p "* ]] || { three+=("$p"); used+=("$p"); }
		done
		echo "${three[*]}" >"$c/node$i/ports"
	done
}

# hz_galera_address C N: the cluster address, gcomm://each node's port.
hz_galera_address() {
	local c=$1 n=$2 i a=
	for ((i = 1; i <= n; i++)); do
		a+="${a:+,}127.0.0.1:$(cut -d' ' -f1 "$c/node$i/ports")"
	done
	echo "gcomm://$a"
}

# hz_galera_timing: the provider options of a cluster on one LAN (or
# loopback), where a node that has said nothing for a second is gone, not
# slow. A node lost stalls the whole group (no commit, no causal read)
# until the others evict it: evs.suspect_timeout (Galera's default 5 s),
# here 2 s, with keepalives and checks every 0.5 s (1 s) and the hard
# limits evs.inactive_timeout (15 s) and evs.install_timeout (7.5 s) at
# 4 s. The risk: a node that freezes longer (a long fsync, swapping, a
# saturated link) is evicted and rejoins by state transfer, where the
# defaults would have waited; across a WAN keep the defaults. And
# repl.causal_read_timeout (30 s) at 1 s: a read with db_sync_wait that
# cannot get its causal check by then fails, and huzu reads it without
# the wait (core/base/db.c, sync_pause); it must stay below
# db_read_timeout (5 s), or the client gives up first.
hz_galera_timing() {
	echo "evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;repl.causal_read_timeout=PT1S"
}

# hz_galera_args C N I: what makes node I a Galera node (mariadbd's
# options). What Galera needs of a server: row-based binary logging,
# InnoDB, interleaved auto-increment locks.
# HZ_GALERA_TIMING: provider options for how fast the group gives up on a
# node and how long a causal read waits (hz_galera_timing); "" keeps
# Galera's defaults.
# HZ_GALERA_DONORS="node3 ...": the nodes a joining node copies its state
# from when it can (then any other): with rsync, a donor blocks writes
# while it copies, so scripts/cluster names the nodes no pool uses.
hz_galera_args() {
	local c=$1 n=$2 i=$3 g ist sst donor= timing
	read -r g ist sst <"$c/node$i/ports"
	if [ -n "${HZ_GALERA_DONORS:-}" ] && [[ " $HZ_GALERA_DONORS " != *" node$i "* ]]; then
		donor=${HZ_GALERA_DONORS// /,}
		donor="--wsrep-sst-donor=$donor,"
	fi
	timing=${HZ_GALERA_TIMING-$(hz_galera_timing)}
	echo "$donor --wsrep-on=ON --wsrep-provider=$HZ_GALERA_PROVIDER
		--wsrep-cluster-name=huzu --wsrep-node-name=node$i
		--wsrep-cluster-address=$(hz_galera_address "$c" "$n")
		--wsrep-node-address=127.0.0.1
		--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$ist;gcache.size=${HZ_GCACHE:-128M}${timing:+;$timing}
		--wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:$sst
		--binlog-format=ROW --default-storage-engine=InnoDB
		--innodb-autoinc-lock-mode=2 --wsrep-slave-threads=2"
}

# hz_galera_recover C N I: node I's last committed position, UUID:SEQNO
# ("" when it has none: a new node). A node stopped cleanly has it in its
# grastate.dat; after a crash that says seqno -1, and the position is
# InnoDB's, which mariadbd --wsrep-recover (with the node's own options)
# logs. Recovered once: kept in node I's recovered.pos until grastate.dat
# changes.
hz_galera_recover() {
	local c=$1 n=$2 i=$3 d=$1/node$3 uuid seq pos
	[ -f "$d/data/grastate.dat" ] || return 0
	uuid=$(sed -n 's/^uuid: *//p' "$d/data/grastate.dat")
	seq=$(sed -n 's/^seqno: *//p' "$d/data/grastate.dat")
	if [ -n "$uuid" ] && [ "${seq:--1}" != -1 ]; then echo "$uuid:$seq"; return 0; fi
	if [ -s "$d/recovered.pos" ] && [ "$d/recovered.pos" -nt "$d/data/grastate.dat" ]; then
		cat "$d/recovered.pos"; return 0
	fi
	# (As the node runs, less what recovery does not need.)
	rm -f "$d/recover.log"
	# shellcheck disable=SC2046,SC2086
	"$HZ_MARIADBD" --no-defaults --datadir="$d/data" --user="$HZ_GALERA_USER" \
		--log-error="$d/recover.log" --skip-networking \
		--socket="$d/recover.sock" --innodb-log-file-size=128M \
		$(hz_galera_args "$c" "$n" "$i") ${HZ_DB_ARGS:-} --wsrep-recover \
		>"$d/recover.out" 2>&1 || true
	pos=$(sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' \
		"$d/recover.log" 2>/dev/null | tail -1)
	case $pos in
	00000000-0000-0000-0000-000000000000:* | *:-1 | '') return 0 ;;
	esac
	echo "$pos" >"$d/recovered.pos"
	echo "$pos"
}

# hz_galera_spawn C N I [--wsrep-new-cluster]: node I, in the background
# (hz_db_spawn: its pid is $!). A joining node needs no data of its own:
# the first state transfer brings it all. A node that has data starts
# from its last position (hz_galera_recover, as Debian's galera_recovery
# does): the group then sends it only what it missed (IST, from the
# donor's gcache), or copies all (SST) when its state is too old or not
# the group's; and a bootstrap node starts the group's history where it
# was (same cluster UUID), not a new one.
hz_galera_spawn() {
	local c=$1 n=$2 i=$3 d=$1/node$3 pos=
	shift 3
	mkdir -p "$d/data"
	[ "$HZ_GALERA_USER" = "$(id -un)" ] || chown -R "$HZ_GALERA_USER" "$d"
	[ -d "$d/data/mysql" ] && pos=$(hz_galera_recover "$c" "$n" "$i")
	HZ_DB_USER=$HZ_GALERA_USER HZ_DB_ARGS="$(hz_galera_args "$c" "$n" "$i") ${HZ_DB_ARGS:-} ${pos:+--wsrep-start-position=$pos} $*" \
		hz_db_spawn "$d"
}

# hz_galera_status D NAME...: the node's wsrep status values, in the
# order asked, one per line (empty: not answering).
hz_galera_status() {
	local d=$1 name out; shift
	out=$(echo "SHOW GLOBAL STATUS LIKE 'wsrep_%'" | hz_db_sql "$d" 2>/dev/null) || return 1
	for name in "$@"; do
		awk -v k="$name" '$1 == k { print $2; f = 1 } END { if (!f) print "" }' <<<"$out"
	done
}

# hz_galera_synced D SIZE: the node is Synced, ready, in a primary
# component of SIZE nodes.
hz_galera_synced() {
	local v
	v=$(hz_galera_status "$1" wsrep_local_state_comment wsrep_ready \
		wsrep_cluster_status wsrep_cluster_size | tr '\n' ' ') || return 1
	[ "$v" = "Synced ON Primary $2 " ]
}

# hz_galera_bootstrap_node C N: which node starts the cluster. After a
# clean stop, the last to stop says safe_to_bootstrap: 1 in its
# grastate.dat; after a crash none does, and the node with the newest
# state (hz_galera_recover) is marked so. Node 1 for a new one.
hz_galera_bootstrap_node() {
	local c=$1 n=$2 i best=1 seq top=-2 pos
	for ((i = 1; i <= n; i++)); do
		grep -qs '^safe_to_bootstrap: 1' "$c/node$i/data/grastate.dat" && { echo "$i"; return; }
	done
	[ -f "$c/node1/data/grastate.dat" ] || { echo 1; return; }
	for ((i = 1; i <= n; i++)); do
		[ -f "$c/node$i/data/grastate.dat" ] || continue
		pos=$(hz_galera_recover "$c" "$n" "$i")
		seq=${pos##*:}
		seq=${seq:--1}
		[ "$seq" -gt "$top" ] && { top=$seq; best=$i; }
	done
	# (touch: the recovered position stays newer than grastate.dat.)
	sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$c/node$best/data/grastate.dat"
	[ ! -f "$c/node$best/recovered.pos" ] || touch "$c/node$best/recovered.pos"
	hz_say "no node was stopped last cleanly: node$best has the newest state (seqno $top); starting from it"
	echo "$best"
}

# hz_galera_size_is D K: the node's component has K nodes or more.
hz_galera_size_is() {
	local v
	v=$(hz_galera_status "$1" wsrep_cluster_size) || return 1
	[ "${v:-0}" -ge "$2" ]
}

# hz_galera_start C N: the cluster, new or again: the bootstrap node
# first, then the others one after the other, each once the one before
# is in the group (two joining at once can miss each other for seconds);
# their state transfers follow one another anyway (one donor). Returns
# when all N are Synced. The pids go to HZ_PIDS, the bootstrap node first
# (so that it is stopped last, and starts the next run).
hz_galera_start() {
	local c=$1 n=$2 b i k=1
	hz_galera_ports "$c" "$n"
	b=$(hz_galera_bootstrap_node "$c" "$n")
	# A new cluster's first node needs a data folder; the others get
	# theirs from it.
	[ -d "$c/node$b/data/mysql" ] || HZ_DB_USER=$HZ_GALERA_USER hz_db_init "$c/node$b"
	hz_galera_spawn "$c" "$n" "$b" --wsrep-new-cluster
	HZ_PIDS+=($!)
	hz_wait_for 60 "Galera node$b (bootstrap)" hz_galera_synced "$c/node$b" 1
	for ((i = 1; i <= n; i++)); do
		[ "$i" = "$b" ] && continue
		hz_galera_spawn "$c" "$n" "$i"
		HZ_PIDS+=($!)
		k=$((k + 1))
		hz_wait_for 180 "Galera node$i" hz_galera_synced "$c/node$i" $k
	done
	for ((i = 1; i <= n; i++)); do
		hz_wait_for 180 "Galera node$i" hz_galera_synced "$c/node$i" "$n"
	done
}

# --- huzu ------------------------------------------------------------------

# hz_secret FILE KEY: one value of a secrets file.
hz_secret() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1"; }

# hz_write_config BIN FILE key=value...: the documented defaults with the
# given keys replaced.
hz_write_config() {
	local bin=$1 file=$2; shift 2
	"$bin" config | awk -v kv="$(printf '%s\n' "$@")" '
		BEGIN { n = split(kv, a, "\n"); for (i = 1; i <= n; i++) {
			j = index(a[i], "="); if (j) v[substr(a[i], 1, j - 1)] = substr(a[i], j + 1) } }
		/^[a-z_]+ = / { if ($1 in v) { print $1 " = " v[$1]; next } }
		{ print }' >"$file"
}

# hz_serve BIN CONFIG LOG PIDFILE SOCKET: PIDFILE is written here, unless
# it is the config's pid_file (huzu serve writes that one itself, and
# removes it when it stops); hz_stop_all removes it either way once the
# master is gone, so no stale pid file stays behind.
declare -gA HZ_PIDFILE_OF=()
hz_serve() {
	local bin=$1 conf=$2 log=$3 pidf=$4 sock=$5 own logf
	own=$("$bin" config --get pid_file -c "$conf" 2>/dev/null) || own=
	logf=$("$bin" config --get log_file -c "$conf" 2>/dev/null) || logf=
	if [ -n "$logf" ]; then
		# huzu opens log_file itself (and again on USR1) as its stderr;
		# LOG gets what it says before, stdout nothing, so no descriptor
		# keeps writing a log file that was moved away.
		setsid "$bin" serve -c "$conf" </dev/null >/dev/null 2>>"$log" &
	else
		setsid "$bin" serve -c "$conf" </dev/null >>"$log" 2>&1 &
	fi
	HZ_PIDS+=($!)
	HZ_PIDFILE_OF[$!]=$pidf
	if [ -n "$own" ] && [ "$(realpath -m "$own")" = "$(realpath -m "$pidf")" ]; then
		hz_wait_for 20 "huzu serve" test -S "$sock" -a -s "$pidf"
	else
		echo $! >"$pidf"
		hz_wait_for 20 "huzu serve" test -S "$sock"
	fi
}

# hz_pidfile_drop PID: removes the pid file recorded for PID while it
# still names PID.
hz_pidfile_drop() {
	local f=${HZ_PIDFILE_OF[$1]:-}
	[ -n "$f" ] && [ "$(cat "$f" 2>/dev/null)" = "$1" ] && rm -f "$f"
	unset "HZ_PIDFILE_OF[$1]"
	return 0
}

# --- nginx -----------------------------------------------------------------

# hz_secrets_complete BIN FILE: adds the keys a newer huzu needs to an
# older secrets file (never replacing one that is there).
hz_secrets_complete() {
	local bin=$1 file=$2 line name
	while IFS= read -r line; do
		name=${line%% =*}
		case $line in '#'*|'') continue ;; esac
		# A second jwt key is not "missing": jwt_current names the one.
		# Numbered keys: one is enough; *_current names it.
		case $name in jwt_key_*|qr_key_*)
			grep -q "^${name%_*}_" "$file" && continue ;;
		esac
		grep -q "^$name[[:space:]]*=" "$file" || {
			echo "$line" >>"$file"
			hz_say "added $name to ${file#"$HZ_ROOT"/}"
		}
	done < <("$bin" keygen)
}

# hz_nginx_render DIR LISTEN SOCKET LOGDIR [UPLOADS]: writes DIR/nginx.conf
# and DIR/huzu.conf from the templates in nginx/. SOCKET is huzu's socket,
# or several separated by spaces (one pool each, balanced: scripts/cluster);
# HZ_MAX_FAILS and HZ_FAIL_TIMEOUT set how a pool is left out then
# (default max_fails=0: never. A pool that is down refuses connections on
# its socket, which nginx passes on to the next at once, so no client sees
# those anyway; and when a node's loss stalls reads everywhere for a
# moment, every pool fails at once, and leaving them out made nginx refuse
# everything, "no live upstreams", until fail_timeout was over, though
# the cluster was back). UPLOADS is huzu's
# uploads_dir (absolute; default: beside DIR), served to X-Accel-Redirect. Limits per client address,
# production's unless overridden: HZ_AUTH_RATE/HZ_AUTH_BURST for login
# (5r/s, 20), HZ_REPORT_RATE/HZ_REPORT_BURST for error reports (2r/s, 20).
hz_nginx_render() {
	local d=$1 listen=$2 sock=$3 log=$4 user=
	local uploads=${5:-$(dirname "$1")/uploads}
	local rate=${HZ_AUTH_RATE:-5r/s} burst=${HZ_AUTH_BURST:-20}
	local rrate=${HZ_REPORT_RATE:-2r/s} rburst=${HZ_REPORT_BURST:-20}
	local servers='' s next='    # (one pool)' up=''
	for s in $sock; do
		[ -n "$servers" ] && servers+='\n'
		servers+="    server unix:$s"
		[ "$s" = "$sock" ] ||
			servers+=" max_fails=${HZ_MAX_FAILS:-0} fail_timeout=${HZ_FAIL_TIMEOUT:-3s}"
		servers+=';'
	done
	# With several pools, the access log says which answered (up=).
	[ "$servers" = "    server unix:$sock;" ] || {
		next='    fastcgi_next_upstream error timeout http_503;'
		up=' up=$upstream_addr'
	}
	mkdir -p "$d/extra" "$d/run" "$log"
	# As root, nginx's workers drop to www-data, the socket's group.
	[ "$(id -u)" -eq 0 ] && user="user www-data www-data;"
	sed -e "s|@USER@|$user|" -e "s|@RUN@|$d/run|g" -e "s|@LOG@|$log|g" \
		-e "s|@CONF@|$d|g" "$HZ_ROOT/nginx/nginx.conf.in" >"$d/nginx.conf"
	sed -e "s|@LISTEN@|$listen|g" -e "s|@ROOT@|$HZ_ROOT|g" \
		-e "s|^@SERVERS@$|$servers|" -e "s|^@NEXT_UPSTREAM@$|$next|" \
		-e "s|@LOG@|$log|g" -e "s|@CONF@|$d|g" \
		-e "s|@UPLOADS@|$uploads|g" -e "s|@UPSTREAM_LOG@|$up|g" \
		-e "s|@AUTH_RATE@|$rate|g" -e "s|@AUTH_BURST@|$burst|g" \
		-e "s|@REPORT_RATE@|$rrate|g" -e "s|@REPORT_BURST@|$rburst|g" \
		"$HZ_ROOT/nginx/huzu.conf.in" >"$d/huzu.conf"
}

# The group nginx's workers run as (they must reach the socket).
hz_socket_group() { [ "$(id -u)" -eq 0 ] && echo www-data || id -gn; }

hz_nginx_start() {
	local d=$1 port=$2
	nginx -t -q -p "$d" -c "$d/nginx.conf" || hz_die "nginx config invalid"
	setsid nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' \
		</dev/null >>"$d/nginx.out" 2>&1 &
	local pid=$! i
	echo "$pid" >"$d/nginx.master.pid"
	HZ_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	# Why, before the folder is cleaned up: a port taken meanwhile, say.
	tail -n 5 "$d/nginx.out" >&2
	hz_die "nginx did not come up on 127.0.0.1:$port"
}

# Stops everything this script started, newest first, and waits for it.
# Each service was started by setsid, so it leads its own process group:
# the whole group is signalled and nothing it forked is left behind.
hz_stop_all() {
	local i pid
	for ((i = ${#HZ_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${HZ_PIDS[i]}
		# (A place left empty: a process that is down for good.)
		[[ $pid =~ ^[1-9][0-9]*$ ]] || continue
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null ||
			{ hz_pidfile_drop "$pid"; continue; }
		for _ in $(seq 1 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$pid" 2>/dev/null || true
		hz_pidfile_drop "$pid"
	done
	HZ_PIDS=()
}
