#!/usr/bin/env python3
"""Capture one ESP packet, or send a crafted one, on a raw socket in the
current network namespace: the e2e tests replay and tamper with real
packets of a tunnel to see the receiver drop and count them."""
import argparse
import binascii
import select
import socket
import struct
import sys


def capture(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, args.proto)
    deadline = args.timeout
    while True:
        r, _, _ = select.select([s], [], [], deadline)
        if not r:
            sys.exit("esp_inject: no packet from %s within %.1f s" % (args.src, args.timeout))
        pkt, addr = s.recvfrom(65535)
        if addr[0] != args.src:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        print(binascii.hexlify(pkt[ihl:]).decode())
        return


def send(args):
    payload = bytearray(binascii.unhexlify(args.hex))
    if len(payload) < 8:
        sys.exit("esp_inject: an ESP packet has at least 8 bytes")
    if args.seq is not None:
        struct.pack_into("!I", payload, 4, args.seq)
    if args.flip is not None:
        payload[args.flip % len(payload)] ^= 0x01
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, args.proto)
    s.bind((args.src, 0))
    for _ in range(args.count):
        s.sendto(bytes(payload), (args.dst, 0))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--proto", type=int, default=50)
    c.add_argument("--src", required=True)
    c.add_argument("--timeout", type=float, default=5.0)
    s = sub.add_parser("send")
    s.add_argument("--proto", type=int, default=50)
    s.add_argument("--src", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--hex", required=True)
    s.add_argument("--seq", type=int)
    s.add_argument("--flip", type=int, help="flip the low bit of this byte (negative: from the end)")
    s.add_argument("--count", type=int, default=1)
    args = p.parse_args()
    capture(args) if args.cmd == "capture" else send(args)


if __name__ == "__main__":
    main()
