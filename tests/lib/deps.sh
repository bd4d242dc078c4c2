# shellcheck shell=bash
# Shared by tests/run and demo/run: install the Debian packages that building
# and testing reload need. Source this file; it defines functions only.
#
# reload_deps_install [EXTRA_PACKAGE...]
#   Asks dpkg which packages are missing, and only then runs `apt-get update`
#   once and `apt-get install`. As root it calls apt-get directly, otherwise
#   through sudo. Returns non-zero if the install fails.

# The build: meson + ninja + C and C++ compilers (gcc is the default, clang for the
# second-compiler tests), binutils (ar, nm, readelf used by tests).
# The programs and libraries the tests link: libuv, libsigsegv, libinih,
# SDL2, zlib (libz.a), Lua 5.4 (liblua5.4.a); GoogleTest's sources
# (googletest: /usr/src/googletest), whose own tests run hosted and native.
# The benchmarks: llvm-14 (llvm-jitlink-14), libssl-dev (libcrypto.a) and
# libsqlite3-dev (libsqlite3.a) as large real archives, python3 for scripts.
# The debugging-aids tests (tests/debug): gdb, to check what it makes of
# loaded code.
RELOAD_DEPS="meson ninja-build pkg-config gcc g++ clang binutils googletest
libuv1-dev libsigsegv-dev libinih-dev libsdl2-dev zlib1g-dev liblua5.4-dev
llvm-14 libssl-dev libsqlite3-dev python3 gdb"

# Prints the packages of "$@" that dpkg does not report as installed.
reload_deps_missing() {
	local p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
		case $status in
		*" ok installed") ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

reload_deps_install() {
	local sudo='' missing=()
	# shellcheck disable=SC2086 # the list is split on purpose
	mapfile -t missing < <(reload_deps_missing $RELOAD_DEPS "$@")
	[ ${#missing[@]} -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "deps: not root and no sudo; missing: ${missing[*]}" >&2
			return 1
		fi
		sudo=sudo
	fi
	echo "deps: installing: ${missing[*]}" >&2
	$sudo apt-get update -q >/dev/null || {
		echo "deps: apt-get update failed" >&2
		return 1
	}
	$sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>/dev/null || {
		echo "deps: apt-get install failed for: ${missing[*]}" >&2
		return 1
	}
	mapfile -t missing < <(reload_deps_missing "${missing[@]}")
	if [ ${#missing[@]} -ne 0 ]; then
		echo "deps: still missing after install: ${missing[*]}" >&2
		return 1
	fi
}

# reload_build BUILDDIR [MESON_OPTION...]: configure (or reconfigure, or
# wipe and configure) and build, passing the options (-Dname=value) to
# meson setup. Must be called from the repository root. The setup output
# is shown only when setup fails.
reload_build() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp) || return 1
	# A failed first setup leaves meson-private/ without coredata.dat;
	# --reconfigure and --wipe both refuse such a directory.
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$@" "$dir" >"$log" 2>&1 ||
			meson setup --wipe "$@" "$dir" >"$log" 2>&1 || rc=1
	else
		meson setup "$@" "$dir" >"$log" 2>&1 || rc=1
	fi
	if [ $rc -ne 0 ]; then
		cat "$log" >&2
		rm -f "$log"
		echo "build: meson setup $dir failed" >&2
		return 1
	fi
	# ninja re-runs meson after --reconfigure, and prints its whole
	# output: keep the build's output and show it all only on failure; on
	# success show just the compiler warnings.
	local quiet=
	ninja --help 2>&1 | grep -q -- --quiet && quiet=--quiet
	# shellcheck disable=SC2086 # $quiet is empty or one word
	if ! ninja -C "$dir" $quiet >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "build: ninja -C $dir failed" >&2
		return 1
	fi
	grep -E -A3 '(warning|error):' "$log" >&2
	rm -f "$log"
}
