#!/bin/sh
# Installs libpledge: the header, libpledge.so, libpledge.a and pkg-config files.
#
#   scripts/install.sh [--no-build] [--from DIR] PREFIX
#
#   PREFIX       where to install: PREFIX/include/pledge.h, LIBDIR/libpledge.{so,a},
#                LIBDIR/pkgconfig/{pledge,pledge-static}.pc
#   --no-build   do not run `cargo build --release -p libpledge` first
#   --from DIR   take the libraries from DIR (default: the release directory of the target
#                directory, $CARGO_TARGET_DIR or ./target)
#   LIBDIR       environment: the library directory (default PREFIX/lib)
#   DESTDIR      environment: a staging root prepended to every installed path (packaging)
#
# Then: cc prog.c $(pkg-config --cflags --libs pledge)          (dynamic)
#       cc prog.c $(pkg-config --cflags --libs pledge-static)   (static)
set -eu

usage() {
	echo "usage: $0 [--no-build] [--from DIR] PREFIX" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=yes
from=
prefix=
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=no ;;
	--from) [ $# -ge 2 ] || usage; from=$2; shift ;;
	-h | --help) usage ;;
	-*) echo "$0: unknown option $1" >&2; usage ;;
	*) [ -z "$prefix" ] || usage; prefix=$1 ;;
	esac
	shift
done
[ -n "$prefix" ] || usage
case $prefix in
/*) ;;
*) echo "$0: PREFIX must be an absolute path (it is written into pledge.pc): $prefix" >&2; exit 2 ;;
esac
libdir=${LIBDIR:-$prefix/lib}
destdir=${DESTDIR:-}

if [ "$build" = yes ]; then
	(cd "$root" && cargo build --release -p libpledge)
fi
if [ -z "$from" ]; then
	target=${CARGO_TARGET_DIR:-$root/target}
	from=$target/release
fi
for f in "$from/libpledge.so" "$from/libpledge.a" "$root/include/pledge.h" "$root/pledge.pc.in"; do
	[ -f "$f" ] || { echo "$0: missing $f (build first, or see --from)" >&2; exit 1; }
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
private=$(sed -n 's/^Libs.private: *//p' "$root/pledge.pc.in")

install -d "$destdir$prefix/include" "$destdir$libdir/pkgconfig"
install -m 0644 "$root/include/pledge.h" "$destdir$prefix/include/pledge.h"
install -m 0755 "$from/libpledge.so" "$destdir$libdir/libpledge.so"
install -m 0644 "$from/libpledge.a" "$destdir$libdir/libpledge.a"

pc() {
	sed -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$libdir|g" -e "s|@VERSION@|$version|g" "$root/pledge.pc.in"
}
pc >"$destdir$libdir/pkgconfig/pledge.pc"
# The static flavour names the archive itself, so the linker cannot pick libpledge.so.
pc | sed -e 's|^Name: pledge$|Name: pledge-static|' \
	-e "s|^Libs: .*|Libs: -L\${libdir} -l:libpledge.a $private|" \
	-e '/^Libs.private:/d' >"$destdir$libdir/pkgconfig/pledge-static.pc"
chmod 0644 "$destdir$libdir/pkgconfig/pledge.pc" "$destdir$libdir/pkgconfig/pledge-static.pc"

echo "installed libpledge $version in $destdir$prefix"
