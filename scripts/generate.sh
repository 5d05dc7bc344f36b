#!/usr/bin/env bash
# Compiles proto/ into typed TypeScript (ts-proto, grpc-js services) under src/gen/.
# buf ships its binary inside the npm package, so this works offline.
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install buf lint
npx --no-install buf generate
# Their BinaryReader/BinaryWriter from src/wire/binary-wire.ts, not the whole @bufbuild/protobuf/wire.
node scripts/gen-wire-imports.js
# The built-in services' schema, parsed ahead of time for `certrpc call` (src/client/builtin-schema.ts).
node scripts/build.js --if-stale
node scripts/builtin-protoset.js
