#!/usr/bin/env bash
# A three-host test topology on one machine: network namespaces ctm-device, ctm-edge and
# ctm-cloud joined by veth links, for running each tier's `continuum serve` on its own
# "host" (Tests/api/test_topology.py, scripts/replay-topology.sh).
#
#   scripts/netns-topology.sh up            create (idempotent: a healthy topology is kept)
#   scripts/netns-topology.sh down          remove namespaces and links (idempotent)
#   scripts/netns-topology.sh status        print hosts and addresses; exit 1 if not up
#   scripts/netns-topology.sh exec HOST CMD...   run CMD on HOST (device | edge | cloud)
#
# Addresses (all /24):
#   harness <-> device  10.77.0.1 (this namespace, ctm-host)  10.77.0.2 (device, host0)
#   device  <-> edge    10.77.1.1 (device, edge0)              10.77.1.2 (edge, dev0)
#   device  <-> cloud   10.77.2.1 (device, cloud0)             10.77.2.2 (cloud, dev0)
# The harness link only lets the test (in the root namespace) reach the device's gateway;
# edge and cloud are reachable from the device alone, as on a real phone or laptop. The
# kernel here has no netem: link delay and loss come from Tests/topology/delay_proxy.py,
# run on the device in front of each link. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
set -euo pipefail
HOSTS=(device edge cloud)

die() { echo "netns-topology: $*" >&2; exit 2; }

ns_ok() { ip netns exec "ctm-$1" true 2>/dev/null; }

# A namespace whose name exists but cannot be entered (made inside another mount namespace,
# or half-removed) is deleted and made again.
make_ns() {
  if ip netns list 2>/dev/null | grep -qw "ctm-$1"; then
    ns_ok "$1" && return 0
    ip netns del "ctm-$1" 2>/dev/null || rm -f "/run/netns/ctm-$1"
  fi
  ip netns add "ctm-$1" 2>/dev/null || die "cannot create network namespace ctm-$1 ('ip netns add' needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN)"
  ip -n "ctm-$1" link set lo up
}

# link A_NS A_IF A_ADDR B_NS B_IF B_ADDR: a veth pair, one end in each namespace ("" = this one).
link() {
  local an=$1 aif=$2 aaddr=$3 bn=$4 bif=$5 baddr=$6
  local ina=(); [ -n "$an" ] && ina=(-n "$an")
  if ip "${ina[@]}" link show "$aif" >/dev/null 2>&1; then
    ip "${ina[@]}" link del "$aif"  # half-made or stale: start again (removes the peer too)
  fi
  ip link add "ctmtmp-a" type veth peer name "ctmtmp-b"
  if [ -n "$an" ]; then ip link set ctmtmp-a netns "$an"; fi
  ip link set ctmtmp-b netns "$bn"
  ip "${ina[@]}" link set ctmtmp-a name "$aif"
  ip -n "$bn" link set ctmtmp-b name "$bif"
  ip "${ina[@]}" addr add "$aaddr/24" dev "$aif"
  ip -n "$bn" addr add "$baddr/24" dev "$bif"
  ip "${ina[@]}" link set "$aif" up
  ip -n "$bn" link set "$bif" up
}

# has_addr NS IF ADDR ("" = this namespace)
has_addr() {
  local out; out=$(ip ${1:+-n "$1"} -4 -o addr show dev "$2" up 2>/dev/null) || return 1
  [[ "$out" == *" $3/24 "* ]]
}

healthy() {
  for h in "${HOSTS[@]}"; do ns_ok "$h" || return 1; done
  has_addr ctm-device host0 10.77.0.2 && has_addr ctm-device edge0 10.77.1.1 && has_addr ctm-device cloud0 10.77.2.1 &&
    has_addr ctm-edge dev0 10.77.1.2 && has_addr ctm-cloud dev0 10.77.2.2 && has_addr "" ctm-host 10.77.0.1
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root ('ip netns' creates network namespaces); run as root or skip the topology tests"
  command -v ip >/dev/null || die "the 'ip' command (iproute2) is not installed"
  healthy && return 0
  ip link del ctmtmp-a 2>/dev/null || true
  for h in "${HOSTS[@]}"; do make_ns "$h"; done
  link "" ctm-host 10.77.0.1 ctm-device host0 10.77.0.2
  link ctm-device edge0 10.77.1.1 ctm-edge dev0 10.77.1.2
  link ctm-device cloud0 10.77.2.1 ctm-cloud dev0 10.77.2.2
  healthy || die "the topology did not come up as expected"
}

down() {
  ip link del ctm-host 2>/dev/null || true
  for h in "${HOSTS[@]}"; do
    # Processes still running on a host would keep its namespace alive unseen: say so.
    pids=$(ip netns pids "ctm-$h" 2>/dev/null || true)
    [ -z "$pids" ] || echo "netns-topology: killing processes still on $h: $pids" >&2
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    ip netns del "ctm-$h" 2>/dev/null || rm -f "/run/netns/ctm-$h"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    healthy || { echo "topology is not up"; exit 1; }
    for h in "${HOSTS[@]}"; do echo "$h: $(ip -n "ctm-$h" -4 -o addr show | awk '$2 != "lo" {print $4}' | xargs)"; done ;;
  exec)
    [ $# -ge 3 ] || die "usage: $0 exec HOST CMD..."
    h=$2; shift 2
    case "$h" in device|edge|cloud) ;; *) die "unknown host '$h' (device, edge, cloud)";; esac
    ns_ok "$h" || die "host $h is not up (run '$0 up')"
    exec ip netns exec "ctm-$h" "$@" ;;
  *) echo "usage: $0 up | down | status | exec HOST CMD..." >&2; exit 2 ;;
esac
