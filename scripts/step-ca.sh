#!/usr/bin/env bash
# smallstep's step-ca, the existing CA certrpc's agent enrols through, built for the tests from
# Debian's packages (no internet: Debian ships the Go sources, we add the few-line main in
# test/peers/step-ca/main.go). Prints the binary's path on stdout. Installs the packages when
# missing and it can (root with apt-get, as on a fresh Debian machine or in CI); otherwise stops
# with the exact command to run. The binary is cached in .cache/step-ca/ (ignored by git) and built
# again only when it is missing or main.go changed: the first run costs about 3 minutes, later ones
# a few milliseconds. CERTRPC_STEP_CA=/path/to/step-ca uses that binary instead (nothing is built).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${CERTRPC_STEP_CA:-}" ]; then
  if [ -x "$CERTRPC_STEP_CA" ]; then echo "$CERTRPC_STEP_CA"; exit 0; fi
  echo "step-ca: CERTRPC_STEP_CA=$CERTRPC_STEP_CA is not an executable file; fix: point it at a step-ca binary, or unset it to build one" >&2
  exit 1
fi

main_go="$root/test/peers/step-ca/main.go"
cache="$root/.cache/step-ca"
binary="$cache/bin/step-ca"
stamp="$cache/bin/step-ca.main-sha256"
wanted=$(sha256sum "$main_go" | cut -d' ' -f1)
if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then echo "$binary"; exit 0; fi

# Debian's Go 1.19 and the step-ca library 0.19.0 with its whole dependency closure (about 960 MB);
# gcc and libzstd-dev for cgo (badger's zstd).
gocode=/usr/share/gocode
packages=(golang-go golang-github-smallstep-certificates-dev gcc libc6-dev libzstd-dev)
have_all() {
  command -v go >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 && [ -f /usr/include/zstd.h ] &&
    [ -f "$gocode/src/github.com/smallstep/certificates/commands/app.go" ]
}
if ! have_all; then
  install="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "step-ca: installing ${packages[*]} (Debian's Go sources of smallstep's CA, about 960 MB)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    {
      echo "step-ca: the step-ca test peer is built from Debian packages that are not installed: ${packages[*]}"
      echo "  fix: run as root:  $install"
      echo "  (or set CERTRPC_STEP_CA to an existing step-ca binary)"
    } >&2
    exit 1
  fi
  have_all || { echo "step-ca: $install did not provide go, gcc, zstd.h and $gocode/src/github.com/smallstep/certificates" >&2; exit 1; }
fi

# One build at a time (pretest and a test run may both ask); the binary appears by rename, whole.
mkdir -p "$cache/bin"
exec 9>"$cache/build.lock"
flock 9
if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then echo "$binary"; exit 0; fi
gopath="$cache/gopath"
src="$gopath/src/certrpc.test/step-ca"
mkdir -p "$src"
cp "$main_go" "$src/main.go"
echo "step-ca: building step-ca 0.19.0 from Debian's Go sources (about a minute on 2 cores, the first time only: cached in $cache)" >&2
started=$(date +%s)
# GOPATH mode against Debian's tree: no module proxy, nothing fetched. No -trimpath: much slower here.
# (The C warning silenced is zstd's deprecation notice in DataDog/zstd's cgo, noise only.)
(cd "$src" && GO111MODULE=off GOFLAGS= GOPATH="$gopath:$gocode" GOCACHE="$cache/go-build" \
  CGO_CFLAGS="-O2 -Wno-deprecated-declarations" go build -ldflags "-s -w" -o "$binary.tmp" .)
mv -f "$binary.tmp" "$binary"
echo "$wanted" > "$stamp"
rm -rf "$cache/go-build" # 120 MB of objects, needed again only if main.go changes
echo "step-ca: built in $(( $(date +%s) - started )) s: $binary" >&2
echo "$binary"
