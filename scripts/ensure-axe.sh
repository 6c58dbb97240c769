#!/usr/bin/env bash
# Installs axe-core (the accessibility rules the browser tests inject into each page) from the npm
# registry into .tools/npm, once; npm comes with Debian's nodejs (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="4.14.1"
DIR=".tools/npm"
if [ -f "$DIR/node_modules/axe-core/axe.min.js" ] &&
  grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/axe-core/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
mkdir -p "$DIR"
npm install --prefix "$DIR" --no-audit --no-fund --no-save --loglevel=error "axe-core@$VERSION"
