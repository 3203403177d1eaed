#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (default 15) with pg_stat_statements and HypoPG
# for the index-advisor tests and `npm run bench:index`, and exports:
#   SELF_HEAL_PG_URL         the actor (owns the test tables, may CREATE/DROP INDEX)
#   SELF_HEAL_PG_READER_URL  the read-only advisor role (pg_read_all_stats + SELECT)
#
# Use it either way; both are idempotent (a running cluster is reused):
#   source .ci/start-postgres.sh          # exports the two variables into the calling shell
#   eval "$(bash .ci/start-postgres.sh)"  # same, from a child process (the exports go to stdout)
#
# The work runs in a child bash under `set -euo pipefail` (this same file,
# with _SELFHEAL_PG_WORK=1), so sourcing it does not change the caller's shell
# options, and errexit is honoured even when the caller tests the result; a
# failure returns (sourced) or exits (executed) non-zero. Progress goes to
# stderr, the `export` lines to stdout.
#
# Settings (environment, all optional):
#   SELF_HEAL_PG_VERSION  major version to run          (15)
#   SELF_HEAL_PG_PORT     TCP port on 127.0.0.1          (54329)
#   SELF_HEAL_PG_DATA     data directory                 (/tmp/selfheal-pg<version>)
#
# This cluster is for tests only: fsync is off, and the passwords below are
# fixed. Local (Unix socket) connections are trusted, but the socket lives in
# the data directory, which only the server's OS user can enter.

if [[ "${_SELFHEAL_PG_WORK:-}" == 1 ]]; then
  set -euo pipefail
  version="${SELF_HEAL_PG_VERSION:-15}"
  port="${SELF_HEAL_PG_PORT:-54329}"
  data="${SELF_HEAL_PG_DATA:-/tmp/selfheal-pg${version}}"
  bin="/usr/lib/postgresql/${version}/bin"
  share="/usr/share/postgresql/${version}"
  log="${data}.log"
  say() { printf 'start-postgres: %s\n' "$*" >&2; }

  # 1. Binaries: install the server and HypoPG only when missing.
  if [[ ! -x "${bin}/postgres" || ! -f "${share}/extension/hypopg.control" ]]; then
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    say "installing postgresql-${version} and postgresql-${version}-hypopg"
    "${sudo[@]}" apt-get update -qq >&2
    if ! apt-cache show "postgresql-${version}-hypopg" >/dev/null 2>&1; then
      # Not in the distribution's archive (e.g. Ubuntu): add the PGDG repository the official way.
      "${sudo[@]}" apt-get install -y -qq postgresql-common >&2
      "${sudo[@]}" /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y >&2
    fi
    # Keep the package from creating and starting its own cluster on 5432.
    "${sudo[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.d/selfheal.conf >/dev/null
    "${sudo[@]}" apt-get install -y -qq "postgresql-${version}" "postgresql-${version}-hypopg" >&2
  fi

  # 2. Run the server as its own OS user: postgres refuses to run as root.
  as=()
  owner="$(id -un)"
  if [[ "$(id -u)" -eq 0 ]]; then
    owner=postgres
    as=(runuser -u postgres --)
  fi

  if [[ ! -f "${data}/PG_VERSION" ]]; then
    say "initdb ${data}"
    mkdir -p "${data}"
    chown "${owner}" "${data}"
    chmod 700 "${data}"
    "${as[@]}" "${bin}/initdb" -D "${data}" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    echo "include_if_exists = 'selfheal.conf'" >>"${data}/postgresql.conf"
  fi
  # Rewritten on every start, so a changed setting here takes effect on the next restart.
  cat >"${data}/selfheal.conf" <<EOF
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${data}'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.max = 10000
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
maintenance_work_mem = 256MB
work_mem = 16MB
max_wal_size = 4GB
checkpoint_timeout = 30min
password_encryption = scram-sha-256
log_min_messages = warning
EOF
  chown "${owner}" "${data}/selfheal.conf"

  if "${as[@]}" "${bin}/pg_ctl" -D "${data}" status >/dev/null 2>&1; then
    say "already running (${data})"
  else
    say "starting on 127.0.0.1:${port} (log ${log})"
    touch "${log}"
    chown "${owner}" "${log}"
    "${as[@]}" "${bin}/pg_ctl" -D "${data}" -l "${log}" -w -t 60 start >/dev/null
  fi

  psql=("${as[@]}" "${bin}/psql" -h "${data}" -p "${port}" -U postgres -v ON_ERROR_STOP=1 -qAtX)
  if [[ "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'selfheal'")" != 1 ]]; then
    "${psql[@]}" -d postgres -c 'CREATE DATABASE selfheal'
  fi

  # 3. Extensions and roles (idempotent).
  "${psql[@]}" -d selfheal >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS hypopg;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'selfheal_reader') THEN
    CREATE ROLE selfheal_reader LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'selfheal_actor') THEN
    CREATE ROLE selfheal_actor LOGIN;
  END IF;
END $$;
ALTER ROLE selfheal_reader PASSWORD 'selfheal-reader';
ALTER ROLE selfheal_actor PASSWORD 'selfheal-actor';
-- The advisor: reads statistics and plans, never writes.
GRANT pg_read_all_stats TO selfheal_reader;
ALTER ROLE selfheal_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE selfheal TO selfheal_reader;
GRANT USAGE ON SCHEMA public TO selfheal_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO selfheal_reader;
-- The actor: owns the tables it indexes (CREATE INDEX needs ownership), creates test schemas.
GRANT CONNECT, CREATE ON DATABASE selfheal TO selfheal_actor;
GRANT USAGE, CREATE ON SCHEMA public TO selfheal_actor;
GRANT pg_read_all_stats TO selfheal_actor;
-- Whatever the actor creates later is readable by the advisor.
ALTER DEFAULT PRIVILEGES FOR ROLE selfheal_actor GRANT SELECT ON TABLES TO selfheal_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE selfheal_actor GRANT USAGE ON SCHEMAS TO selfheal_reader;
SQL
  say "ready: database selfheal on 127.0.0.1:${port}"
  exit 0
fi

if _SELFHEAL_PG_WORK=1 bash "${BASH_SOURCE[0]}"; then
  _selfheal_pg_port="${SELF_HEAL_PG_PORT:-54329}"
  export SELF_HEAL_PG_URL="postgres://selfheal_actor:selfheal-actor@127.0.0.1:${_selfheal_pg_port}/selfheal"
  export SELF_HEAL_PG_READER_URL="postgres://selfheal_reader:selfheal-reader@127.0.0.1:${_selfheal_pg_port}/selfheal"
  unset _selfheal_pg_port
  printf 'export SELF_HEAL_PG_URL=%s\n' "${SELF_HEAL_PG_URL}"
  printf 'export SELF_HEAL_PG_READER_URL=%s\n' "${SELF_HEAL_PG_READER_URL}"
else
  _selfheal_pg_status=$?
  printf 'start-postgres: failed (exit %s)\n' "${_selfheal_pg_status}" >&2
  # `return` when sourced, `exit` when executed.
  return "${_selfheal_pg_status}" 2>/dev/null || exit "${_selfheal_pg_status}"
fi
