# shellcheck shell=bash
# What scripts/backup and scripts/restore share: reading huzu's config
# (with `huzu config --get`, so the defaults are huzu's own) and talking to
# its MariaDB as huzu does, the password in a 0600 option file, never in
# argv. Sourced after scripts/lib.sh.

# What they report goes to stdout (errors, hz_die, to stderr), bold only
# on a terminal: run from cron with >/dev/null, a backup says nothing
# unless it fails.
hz_say() {
	if [ -t 1 ]; then printf '\033[1m==> %s\033[0m\n' "$*"; else printf '==> %s\n' "$*"; fi
}

# hz_ops_bin: the huzu binary: $HUZU_BIN, huzu on PATH, or this
# checkout's build/release/huzu.
hz_ops_bin() {
	if [ -n "${HUZU_BIN:-}" ]; then echo "$HUZU_BIN"
	elif command -v huzu >/dev/null; then command -v huzu
	else echo "$HZ_ROOT/build/release/huzu"
	fi
}

# hz_ops_get KEY: one value of $HZ_CONF (read from $HZ_GET_CONF, the
# same with another secrets file, when there is one).
hz_ops_get() {
	"$HZ_BIN" config --get "$1" -c "${HZ_GET_CONF:-$HZ_CONF}" ||
		hz_die "cannot read $1 from $HZ_CONF (huzu config --get $1 -c $HZ_CONF says why above)"
}

# hz_ops_raw KEY: the value of KEY as written in $HZ_CONF (the last one),
# else huzu's default; for a key huzu cannot be asked about yet.
hz_ops_raw() {
	local v
	v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$HZ_CONF" | tail -1)
	[ -n "$v" ] || v=$("$HZ_BIN" config | sed -n "s/^$1 = //p" | tail -1)
	printf '%s\n' "${v%"${v##*[![:space:]]}"}"
}

# hz_ops_init CONFIG [SECRETS]: HZ_BIN, HZ_CONF, the HZ_DB_* values,
# HZ_SECRETS_FILE, HZ_UPLOADS_DIR; a private temporary folder HZ_OPS_TMP
# (removed on exit) holding HZ_OPS_CNF, the client option file, with the
# db_password of SECRETS (default: the config's secrets file, which then
# need not exist).
hz_ops_init() {
	HZ_CONF=$1
	[ -f "$HZ_CONF" ] || hz_die "no config file $HZ_CONF"
	HZ_BIN=$(hz_ops_bin)
	[ -x "$HZ_BIN" ] || hz_die "no huzu binary at $HZ_BIN: set HUZU_BIN=FILE or put huzu on PATH"
	HZ_OPS_TMP=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/huzu-ops.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$HZ_OPS_TMP'" EXIT
	HZ_GET_CONF=
	if [ -n "${2:-}" ]; then
		# huzu reads the secrets with the config: with SECRETS in place
		# of a file that may not be there yet.
		HZ_GET_CONF=$HZ_OPS_TMP/huzu.conf
		{ sed '/^[[:space:]]*secrets_file[[:space:]]*=/d' "$HZ_CONF"
			echo "secrets_file = $2"; } >"$HZ_GET_CONF"
		HZ_SECRETS_FILE=$(hz_ops_raw secrets_file)
	else
		HZ_SECRETS_FILE=$(hz_ops_get secrets_file)
	fi
	HZ_DB_NAME=$(hz_ops_get db_name)
	HZ_DB_USER=$(hz_ops_get db_user)
	HZ_DB_HOST=$(hz_ops_get db_host)
	HZ_DB_PORT=$(hz_ops_get db_port)
	HZ_DB_SOCKET=$(hz_ops_get db_socket)
	HZ_UPLOADS_DIR=$(hz_ops_get uploads_dir)
	hz_ops_cnf "${2:-$HZ_SECRETS_FILE}"
	export HZ_UPLOADS_DIR
}

# hz_ops_cnf SECRETS: (re)writes HZ_OPS_CNF with the db_password of SECRETS.
hz_ops_cnf() {
	local pw
	[ -r "$1" ] || hz_die "cannot read the secrets file $1: run as the user huzu runs as, or root"
	pw=$(hz_secret "$1" db_password)
	[ -n "$pw" ] || hz_die "no db_password in $1"
	HZ_OPS_CNF=$HZ_OPS_TMP/client.cnf
	# Quoted, with \ and " escaped, as option files read them.
	pw=${pw//\\/\\\\}
	pw=${pw//\"/\\\"}
	(
		umask 077
		{
			echo '[client]'
			echo "user = \"$HZ_DB_USER\""
			echo "password = \"$pw\""
			if [ -n "$HZ_DB_HOST" ]; then
				echo "host = \"$HZ_DB_HOST\""
				echo "port = $HZ_DB_PORT"
			else
				echo "socket = \"$HZ_DB_SOCKET\""
			fi
		} >"$HZ_OPS_CNF"
	)
}

# hz_ops_sql QUERY [DATABASE]: rows of QUERY, tab-separated, no header.
hz_ops_sql() {
	mariadb --defaults-extra-file="$HZ_OPS_CNF" -N -B "${2:-$HZ_DB_NAME}" -e "$1"
}
