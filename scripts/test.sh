#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian or Ubuntu machine (real registry, skopeo, umoci, podman, debootstrap),
# then runs lint, typecheck, build and every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker-registry skopeo umoci podman buildah runc debootstrap zstd openssl curl ca-certificates)
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

npm ci --no-audit --no-fund
npm run check
