#!/bin/sh
# Install what corral needs to build and test, from Debian 12's archive.
# Idempotent; quiet unless something fails.
set -eu
PKGS="build-essential cmake pkg-config git clang-format
  libqb-dev libcpg-dev libcmap-dev libquorum-dev libvotequorum-dev libcorosync-common-dev
  libinih-dev liblua5.4-dev libcriterion-dev libltdl-dev libxml2-dev nettle-dev
  corosync iproute2 iputils-ping procps psmisc util-linux e2fsprogs curl python3
  resource-agents fence-agents pacemaker pacemaker-cli-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run this script as root to install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # pacemaker's packages would start nothing here (no systemd as PID 1); we
  # only need crm_simulate, ocf:pacemaker:* agents and the daemons as a baseline.
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
