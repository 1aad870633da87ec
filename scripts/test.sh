#!/usr/bin/env bash
# Runs every test: installs the Debian packages the tests use when they are missing (the real
# consumers of exported profiles, a C toolchain with static glibc, the real programs run under
# pledge: git, make, perl, tzdata), then the whole workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config gzip xz-utils python3 bubblewrap libseccomp-dev libjson-c-dev
          git make perl tzdata python3-jsonschema python3-yaml systemd man-db groff-base)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo test --workspace "$@"
