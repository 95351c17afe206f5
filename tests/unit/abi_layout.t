#!/bin/sh
# The ioctl ABI layout (tests/unit/abi_layout.c prints the TAP).
exec "$(dirname "$0")/../../build/host/abi-layout"
