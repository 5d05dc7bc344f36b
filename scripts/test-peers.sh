#!/usr/bin/env bash
# The real peers the test suite drives (openssl, curl, jq, nginx, Python grpcio, ip netns, setpriv, step-ca).
# Run before `npm test` and by .ci/run. Installs what is missing when it can (root with apt-get,
# as on a fresh Debian machine or in CI); otherwise stops at once with the exact command to run,
# because a suite that cannot reach its peer must fail, never pass by not running.
set -euo pipefail

# Debian's Python modules live in the system interpreter, not in a pyenv one that may come first on PATH.
PYTHON=${CERTRPC_TEST_PYTHON:-/usr/bin/python3}
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have openssl || missing+=(openssl)
have curl || missing+=(curl)
# README.md's lines pipe JSON into jq (test/readme runs them).
have jq || missing+=(jq)
have nginx || missing+=(nginx-light)
have ip || missing+=(iproute2)
have setpriv || missing+=(util-linux)
if ! { [ -x "$PYTHON" ] && "$PYTHON" -c 'import grpc, grpc_tools.protoc' >/dev/null 2>&1; }; then
  missing+=(python3 python3-grpcio python3-grpc-tools)
fi
if [ ${#missing[@]} -gt 0 ]; then
  install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test peers: installing ${missing[*]} (Debian packages the interop tests run against)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    {
      echo "npm test: the test suite needs these Debian packages, which are not installed: ${missing[*]}"
      echo "  fix: run as root:  $install"
      echo "  (the interop and multi-host suites drive real openssl, curl, nginx, Python grpcio and ip netns peers; the README's lines use jq)"
    } >&2
    exit 1
  fi
fi

# smallstep's step-ca, built from Debian's Go sources into .cache/ (about 3 minutes the first time,
# cached after). It says what to install when it cannot; a non-root run outside CI goes on without
# it and test/e2e/step-ca.test.ts is skipped with that command; under CI or as root it must work.
if ! bash "$(dirname "$0")/step-ca.sh" >/dev/null; then
  if [ "$(id -u)" = 0 ] || [[ "${CI:-}" =~ ^(true|1)$ ]]; then exit 1; fi
  echo "test peers: going on without step-ca: its suite will be skipped (under CI=true it fails)" >&2
fi
