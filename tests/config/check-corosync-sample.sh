#!/bin/sh
# etc/corosync.conf.sample must be a configuration Corosync accepts: `corosync -t`
# parses and checks it. The sample's authkey and node addresses are stand-ins, so the
# check gives it a fresh key and makes n1 this machine (127.0.0.1).
set -eu
sample=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corosync-keygen -l -k "$tmp/authkey" >/dev/null
sed -e "s|^totem {|totem {\n    keyfile: $tmp/authkey|" \
    -e 's/ring0_addr: 198.18.0.1$/ring0_addr: 127.0.0.1/' "$sample" >"$tmp/corosync.conf"
grep -q "keyfile: $tmp/authkey" "$tmp/corosync.conf"
grep -q "ring0_addr: 127.0.0.1" "$tmp/corosync.conf"
corosync -t -c "$tmp/corosync.conf"
echo "corosync accepts $sample"
