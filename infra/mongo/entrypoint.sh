#!/usr/bin/env bash
# MongoDB entrypoint wrapper: a replica set with authentication needs a key file shared by
# its members. Write it from $MONGO_REPLICA_KEY (never from a file in the repository), then
# hand over to the official image's entrypoint (which creates the root user and runs
# /docker-entrypoint-initdb.d/*.js on the first start of an empty data directory).
set -euo pipefail

key="${MONGO_REPLICA_KEY:-}"
if [[ ! "$key" =~ ^[A-Za-z0-9+/=]{16,1024}$ ]]; then
    echo "mongo: MONGO_REPLICA_KEY must be 16-1024 base64 characters (openssl rand -hex 48)" >&2
    exit 1
fi
keyfile=/data/configdb/replica.key
install -d -o mongodb -g mongodb /data/configdb
( umask 277 && printf '%s\n' "$key" > "$keyfile" )
chown mongodb:mongodb "$keyfile"
chmod 400 "$keyfile"
unset MONGO_REPLICA_KEY key

exec docker-entrypoint.sh "$@"
