#!/usr/bin/env bash
# Runs the side-by-side benchmark (docs/benchmarks.md) and writes docs/benchmarks/results.{md,json} and share.svg.
# Usage: benchmarks/run.sh discovery [--window=75s]   (new-backend discovery latency, ~1.5 minutes)
#        benchmarks/run.sh discovery-system-dns [--ttl=30s] [--window=75s] [--name=discovery-system-dns]
#                          (the same through the system resolver configuration, no JVM DNS flag; needs root)
#        benchmarks/run.sh soak [--duration=10m] [--threads=8] [--deadline=2s] [--bound=1s] [--grace=8s] [--name=soak]
#                          (rolling updates under load, rpc_soak-style: exits 1 unless every call is OK and within
#                          the bound; writes docs/benchmarks/soak.{md,json})
#        benchmarks/run.sh [--rounds=3] [--warmup=3s] [--window=8s] [--concurrency=32] [--out=docs/benchmarks]
#                          [--only=starter,raw,starter-boot4,spring-grpc,...] [--boot4-jar=benchmarks-boot4/target/benchmarks-boot4.jar]
#                          (the Boot 4 variants run in a child JVM from the benchmarks-boot4 jar, started by the run)
# MVNW_OPTS is passed to the build (e.g. MVNW_OPTS=-o to build offline).
set -euo pipefail
cd "$(dirname "$0")/.."

# The discovery runs and the soak use no proxy.
if [ "${1:-}" != "discovery" ] && [ "${1:-}" != "discovery-system-dns" ] && [ "${1:-}" != "soak" ] \
    && ! command -v haproxy >/dev/null 2>&1; then
  echo "HAProxy is not installed; installing the Debian package (needed for the L4/L7 proxy variants)..."
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if ! ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy) >/dev/null; then
    echo "Could not install haproxy: the proxy variants will be skipped."
  fi
fi

# benchmarks-boot4 is the Spring Boot 4 child JVM the side-by-side run starts for its Boot 4 variants.
./mvnw -B -q --no-transfer-progress ${MVNW_OPTS:-} -pl benchmarks,benchmarks-boot4 -am package -DskipTests

if [ "${1:-}" = "discovery" ]; then
  # New-backend discovery latency (docs/benchmarks.md): names come from a hosts file the run rewrites.
  # JVM_DNS_TTL sets the JVM's own lookup cache (0 by default here; the JDK's default is 30s).
  shift
  hosts="$(mktemp -d)/discovery-hosts"
  echo "127.0.0.1 localhost" > "$hosts"
  exec java -Xmx512m -Djdk.net.hosts.file="$hosts" -Dsun.net.inetaddr.ttl="${JVM_DNS_TTL:-0}" \
    -Dloader.main=io.github.grpclb.bench.DiscoveryMain \
    -cp benchmarks/target/benchmarks.jar org.springframework.boot.loader.launch.PropertiesLauncher "$@"
fi

if [ "${1:-}" = "soak" ]; then
  # Rolling updates under load (docs/benchmarks.md): names come from a DNS server in the run that the target names.
  shift
  exec java -Xmx512m -Dloader.main=io.github.grpclb.bench.SoakMain \
    -cp benchmarks/target/benchmarks.jar org.springframework.boot.loader.launch.PropertiesLauncher "$@"
fi

if [ "${1:-}" = "discovery-system-dns" ]; then
  # New-backend discovery latency with the defaults: no JVM DNS flag, names from a DNS server that
  # /etc/resolv.conf names, with a pod's search list and ndots:5. The JVM runs in a network and mount namespace of
  # its own (unshare), where a resolv.conf naming 127.0.0.1 is bind-mounted over /etc/resolv.conf: the machine's
  # configuration stays untouched, and the run's DNS server can listen on port 53.
  shift
  if [ "$(id -u)" -ne 0 ]; then echo "discovery-system-dns needs root (unshare --net --mount)"; exit 1; fi
  resolv="$(mktemp -d)/resolv.conf"
  printf 'search bench.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n' > "$resolv"
  exec unshare --net --mount -- sh -c 'ip link set lo up && mount --bind "$0" /etc/resolv.conf && shift && exec "$@"' \
    "$resolv" _ java -Xmx512m -Dloader.main=io.github.grpclb.bench.DiscoveryMain \
    -cp benchmarks/target/benchmarks.jar org.springframework.boot.loader.launch.PropertiesLauncher \
    --source=system-dns "$@"
fi

exec java -Xms1g -Xmx1g -Djdk.net.hosts.file=benchmarks/bench-hosts -jar benchmarks/target/benchmarks.jar "$@"
