#!/usr/bin/env bash
# Prints a configuration of N signaled tunnels (about 9 lines each) for
# benchmarks: erxsh -f reads it from exec mode.
set -euo pipefail
n=${1:?usage: gen-tunnels.sh N}
echo "configure terminal"
echo "ipsec transform-set bench esp-3des-hmac-sha esp-aes128-hmac-sha"
echo "ipsec local-endpoint 192.0.2.1"
awk -v n="$n" 'BEGIN {
  for (i = 0; i < n; i++) {
    a = int(i / 250); b = i % 250 + 1
    printf "ipsec key manual pre-share 198.51.%d.%d\n key bench-secret-%d\n", a, b, i
    printf "interface tunnel ipsec:t%05d\n", i
    printf " ip address 10.%d.%d.1 255.255.255.252\n", a, b
    printf " tunnel transform-set bench\n"
    printf " tunnel source 192.0.2.1\n"
    printf " tunnel destination 198.51.%d.%d\n", a, b
    printf " tunnel local-identity subnet 172.16.%d.0 255.255.255.0\n", i % 256
    printf " tunnel peer-identity subnet 172.17.%d.0 255.255.255.0\n", i % 256
    printf " tunnel pfs group 5\n"
    printf " exit\n"
  }
}'
