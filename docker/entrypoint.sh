#!/bin/sh
# Entrypoint of the Wick image.
#  - Secrets from files: for every VAR_FILE in the environment (Docker/Kubernetes secrets),
#    VAR is set to the file's contents (e.g. DATABASE_URL_FILE=/run/secrets/db_url).
#  - `docker run wick api|worker|start|migrate|backup|restore|keys|config|ingest ...` runs that
#    wick command; anything else (e.g. `sh`) runs as given.
#  - The server roles need DATABASE_URL: the image carries no embedded Postgres.
set -eu

WICK_HOME="${WICK_HOME:-/app}"

for var in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  file=$(printenv "${var}_FILE")
  if [ -n "$(printenv "$var" || true)" ]; then
    echo "entrypoint: both $var and ${var}_FILE are set; use one" >&2
    exit 2
  fi
  if [ ! -r "$file" ]; then
    echo "entrypoint: ${var}_FILE=$file is not a readable file" >&2
    exit 2
  fi
  # Trailing newlines of the file are dropped ($(...) strips them).
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done

if [ "$#" -eq 0 ]; then
  set -- api
fi

case "$1" in
  start|api|worker|migrate|backup|restore|keys|config|ingest|help|--help|-h|--version|-V)
    case "$1" in
      start|api|worker|migrate|backup|restore|keys|ingest)
        if [ -z "${DATABASE_URL:-}" ]; then
          echo "entrypoint: set DATABASE_URL (or DATABASE_URL_FILE) to the Postgres server; the image has no embedded Postgres" >&2
          exit 2
        fi
        ;;
    esac
    exec node "$WICK_HOME/bin/wick.js" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
