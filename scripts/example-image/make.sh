#!/usr/bin/env bash
# Rebuilds examples/bootc-demo: three stand-in RPMs made with rpmbuild, recorded in a real rpm SQLite database by rpm
# itself, laid out by layout.mjs the way a bootc image stores files. Needs rpm (Debian package) and `npm run build`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build() {
  rpmbuild -bb --quiet --define "_topdir $work/top" --define "pkgname $1" --define "pkgversion $2" \
    --define "pkgrelease $3" --define "pkgfile $4" "$here/demo.spec"
}
build kernel-core 6.11.4 301.fc42 /usr/lib/modules/6.11.4-301.fc42.x86_64/vmlinuz
build openssl-libs 3.2.2 3.fc42 /usr/lib64/libssl.so.3
build fedora-release-common 42 1 /usr/lib/fedora-release

rpm_db=(--root "$work/root" --define '_db_backend sqlite' --dbpath /usr/share/rpm)
mkdir -p "$work/root"
rpm "${rpm_db[@]}" --initdb
rpm "${rpm_db[@]}" -i --justdb --nodeps --noscripts "$work"/top/RPMS/x86_64/*.rpm 2>/dev/null
# Fold the write-ahead log into the database file, as an image build's last rpm transaction leaves it.
rpm "${rpm_db[@]}" -qa >/dev/null 2>&1
node "$here/layout.mjs" "$work/root/usr/share/rpm/rpmdb.sqlite"
