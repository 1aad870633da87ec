#!/usr/bin/env bash
# Runs every test: installs the Debian packages the tests use when they are missing (the real
# consumers of exported profiles, a C toolchain with static glibc, the real programs run under
# pledge: git, make, perl, tzdata), then the whole workspace. Installing needs root and the
# package mirror; with every package present it needs neither, and runs as any user (the few
# tests that need root then say "skipped" and why).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config gzip xz-utils python3 bubblewrap libseccomp-dev libjson-c-dev
          git make perl tzdata python3-jsonschema python3-yaml systemd man-db groff-base)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" != 0 ]; then
    echo "$0: the tests need these Debian packages: ${missing[*]}" >&2
    echo "install them as root (apt-get install ${missing[*]}), or run this script as root" >&2
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo test --workspace "$@"
