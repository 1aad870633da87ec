#!/bin/sh
# Installs seccomp-scopes: the `pledge` command, libpledge (header, libpledge.so, libpledge.a,
# pkg-config files) and the manual pages pledge(1), pledge(3), unveil(3).
#
#   scripts/install.sh [--no-build] [--from DIR] [--command FILE] PREFIX
#
#   PREFIX       where to install: PREFIX/bin/pledge, PREFIX/include/pledge.h,
#                LIBDIR/libpledge.{so,a}, LIBDIR/pkgconfig/{pledge,pledge-static}.pc,
#                MANDIR/man1/pledge.1, MANDIR/man3/{pledge,unveil}.3
#   --no-build   do not run `cargo build --release -p pledge-cli -p libpledge` first
#   --from DIR   take the built files from DIR (default: the release directory of the target
#                directory, $CARGO_TARGET_DIR or ./target)
#   --command FILE  the pledge binary to install (default: DIR/pledge)
#   LIBDIR       environment: the library directory (default PREFIX/lib)
#   MANDIR       environment: the manual directory (default PREFIX/share/man)
#   DESTDIR      environment: a staging root prepended to every installed path (packaging)
#
# The command is one self-sufficient binary (it carries the preload it puts in programs).
# Without DESTDIR, as root, ldconfig runs so that the loader finds the new libpledge.so.
#
# Then: cc prog.c $(pkg-config --cflags --libs pledge)          (dynamic)
#       cc prog.c $(pkg-config --cflags --libs pledge-static)   (static)
set -eu

usage() {
	echo "usage: $0 [--no-build] [--from DIR] [--command FILE] PREFIX" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=yes
from=
command=
prefix=
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=no ;;
	--from) [ $# -ge 2 ] || usage; from=$2; shift ;;
	--command) [ $# -ge 2 ] || usage; command=$2; shift ;;
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
mandir=${MANDIR:-$prefix/share/man}
destdir=${DESTDIR:-}

if [ "$build" = yes ]; then
	(cd "$root" && cargo build --release -p pledge-cli -p libpledge)
fi
if [ -z "$from" ]; then
	target=${CARGO_TARGET_DIR:-$root/target}
	from=$target/release
fi
command=${command:-$from/pledge}
for f in "$command" "$from/libpledge.so" "$from/libpledge.a" "$root/include/pledge.h" \
	"$root/pledge.pc.in" "$root/man/pledge.1" "$root/man/pledge.3" "$root/man/unveil.3"; do
	[ -f "$f" ] || { echo "$0: missing $f (build first, or see --from)" >&2; exit 1; }
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
private=$(sed -n 's/^Libs.private: *//p' "$root/pledge.pc.in")

install -d "$destdir$prefix/bin" "$destdir$prefix/include" "$destdir$libdir/pkgconfig" \
	"$destdir$mandir/man1" "$destdir$mandir/man3"
install -m 0755 "$command" "$destdir$prefix/bin/pledge"
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

for page in pledge.1 pledge.3 unveil.3; do
	section=${page##*.}
	install -m 0644 "$root/man/$page" "$destdir$mandir/man$section/$page"
done

echo "installed pledge and libpledge $version in $destdir$prefix"
# The loader's cache, so that programs linked with -lpledge find the new library: rebuilt when
# LIBDIR is one of the loader's directories and this is the real root, not a staging one.
searched=no
if command -v ldconfig >/dev/null 2>&1 &&
	ldconfig -v -N -X 2>/dev/null | grep -q "^$libdir:"; then
	searched=yes
fi
if [ -z "$destdir" ] && [ "$searched" = yes ] && [ "$(id -u)" = 0 ]; then
	ldconfig
	echo "ran ldconfig"
elif [ -z "$destdir" ] && [ "$searched" = yes ]; then
	echo "run ldconfig as root so that programs find $libdir/libpledge.so"
elif [ -z "$destdir" ]; then
	echo "$libdir is not in the loader's search path: programs linked with -lpledge need" \
		"LD_LIBRARY_PATH=$libdir, -Wl,-rpath,$libdir or an /etc/ld.so.conf.d entry (then ldconfig)"
fi
