# Starts throwaway PostgreSQL and Redis servers, and a Redis Cluster (3 masters, 3 replicas),
# on 127.0.0.1 for the store tests, installing them with apt when missing. Source it
# (`source .ci/services.sh`): it exports
#   SESSIONKIT_POSTGRES_URL, SESSIONKIT_REDIS_URL                  where the suites connect
#   SESSIONKIT_POSTGRES_STOP/START, SESSIONKIT_REDIS_STOP/START    what the fault tests run
#   SESSIONKIT_REDIS_CLUSTER_NODES    the cluster's six nodes, `redis://127.0.0.1:port/`, comma-separated
#   SESSIONKIT_REDIS_CLUSTER_STOP     what stops it
# Ports: SESSIONKIT_PG_PORT, SESSIONKIT_REDIS_PORT, and SESSIONKIT_REDIS_CLUSTER_PORT (the
# first of six consecutive ones).
# Data lives under ${SESSIONKIT_SERVICES_DIR:-/tmp/sessionkit-services} and is discarded.

sk_dir="${SESSIONKIT_SERVICES_DIR:-/tmp/sessionkit-services}"
sk_pg_port="${SESSIONKIT_PG_PORT:-54329}"
sk_redis_port="${SESSIONKIT_REDIS_PORT:-63799}"
# A cluster node also listens on its port + 10000 (the cluster bus), so ports stay below 55536.
sk_cluster_port="${SESSIONKIT_REDIS_CLUSTER_PORT:-46380}"
sk_cluster_ports="$(seq "$sk_cluster_port" $((sk_cluster_port + 5)))"

sk_pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$sk_pg_bin" ] || [ ! -x "$sk_pg_bin/postgres" ] || ! command -v redis-server >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server
    sk_pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

# PostgreSQL refuses to run as root, so the cluster belongs to the postgres user.
if [ "$(id -u)" = 0 ]; then sk_as_pg="runuser -u postgres --"; else sk_as_pg=""; fi
# Servers left over from an earlier run in the same place are stopped first.
if [ -d "$sk_dir/pg/data" ]; then $sk_as_pg "$sk_pg_bin/pg_ctl" -D "$sk_dir/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
pkill -f "postgres -D $sk_dir/pg/data" >/dev/null 2>&1 || true
redis-cli -p "$sk_redis_port" shutdown nosave >/dev/null 2>&1 || true
for port in $sk_cluster_ports; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
sleep 0.5
rm -rf "$sk_dir"
mkdir -p "$sk_dir/pg"
chmod 755 "$sk_dir"
[ -n "$sk_as_pg" ] && chown postgres "$sk_dir/pg"
$sk_as_pg "$sk_pg_bin/initdb" -D "$sk_dir/pg/data" -U postgres --auth=trust >/dev/null
export SESSIONKIT_POSTGRES_START="$sk_as_pg $sk_pg_bin/pg_ctl -D $sk_dir/pg/data -l $sk_dir/pg/log -w -o '-p $sk_pg_port -k $sk_dir/pg -c listen_addresses=127.0.0.1' start"
export SESSIONKIT_POSTGRES_STOP="$sk_as_pg $sk_pg_bin/pg_ctl -D $sk_dir/pg/data -w -m fast stop"
eval "$SESSIONKIT_POSTGRES_START" >/dev/null
export SESSIONKIT_POSTGRES_URL="postgres://postgres@127.0.0.1:$sk_pg_port/postgres"

mkdir -p "$sk_dir/redis"
export SESSIONKIT_REDIS_START="redis-server --bind 127.0.0.1 --port $sk_redis_port --save '' --appendonly yes --appendfsync always --daemonize yes --dir $sk_dir/redis --logfile $sk_dir/redis/log"
export SESSIONKIT_REDIS_STOP="redis-cli -p $sk_redis_port shutdown"
eval "$SESSIONKIT_REDIS_START"
for _ in $(seq 50); do redis-cli -p "$sk_redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export SESSIONKIT_REDIS_URL="redis://127.0.0.1:$sk_redis_port/"

# The cluster: six nodes, then `--cluster create` pairs a replica with each master. A short
# node timeout (2 s) makes the failover test's promotion quick.
sk_cluster_nodes=""
for port in $sk_cluster_ports; do
    mkdir -p "$sk_dir/cluster/$port"
    redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
        --cluster-config-file "$sk_dir/cluster/$port/nodes.conf" --cluster-node-timeout 2000 \
        --save '' --appendonly no --daemonize yes --dir "$sk_dir/cluster/$port" \
        --logfile "$sk_dir/cluster/$port/log"
    sk_cluster_nodes="$sk_cluster_nodes 127.0.0.1:$port"
done
for port in $sk_cluster_ports; do
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
# shellcheck disable=SC2086
redis-cli --cluster create $sk_cluster_nodes --cluster-replicas 1 --cluster-yes >/dev/null
for port in $sk_cluster_ports; do
    for _ in $(seq 100); do
        redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
        sleep 0.1
    done
done
export SESSIONKIT_REDIS_CLUSTER_NODES="$(for port in $sk_cluster_ports; do printf 'redis://127.0.0.1:%s/,' "$port"; done | sed 's/,$//')"
export SESSIONKIT_REDIS_CLUSTER_STOP="for port in $(echo $sk_cluster_ports); do redis-cli -p \$port shutdown nosave; done"

echo "PostgreSQL at $SESSIONKIT_POSTGRES_URL, Redis at $SESSIONKIT_REDIS_URL, Redis Cluster at $SESSIONKIT_REDIS_CLUSTER_NODES"
