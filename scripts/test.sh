#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian or Ubuntu machine (real registry, skopeo, umoci, podman, debootstrap),
# then runs lint, typecheck, build and every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# rpm and python3-rpm are oracles for the rpm database readers; g++, make and python3 build better-sqlite3; xmllint
# (libxml2-utils) validates the gate's JUnit report against its XSD; shellcheck, dash and systemd's own parsers
# (systemd-analyze, systemctl --root) check the files `patchline host files` writes for bootc hosts; dpkg-dev
# (dpkg-scanpackages) indexes the apt repository the pipeline's end-to-end test publishes packages to; chromium runs
# the console's browser tests; prometheus (with promtool) scrapes a controller to test the dashboards and alert rules;
# openscap-scanner and the ssg-* datastreams evaluate the gate's compliance rule.
packages=(docker-registry skopeo umoci podman buildah runc debootstrap zstd openssl curl ca-certificates rpm python3-rpm
  g++ make python3 postgresql createrepo-c dnf shellcheck dash libxml2-utils systemd dpkg-dev chromium prometheus
  openscap-scanner ssg-debderived ssg-nondebian)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f '${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# `npm install` rather than `npm ci`: npm 11 leaves biome's other-platform binaries out of the lockfile and `npm ci`
# then refuses it; `npm install` installs the locked versions all the same (docs/decisions/0009-npm-install.md).
npm install --no-audit --no-fund
npm run check
