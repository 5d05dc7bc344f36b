#!/usr/bin/env node
// Writes proto/certrpc-builtin.protoset: the schema of the services every certrpc server has
// (certrpc.v1.Identity, grpc.health.v1.Health), parsed once here so that `certrpc call` never loads
// protobufjs to parse them (src/client/builtin-schema.ts). Run by `npm run generate`, after a build;
// src/client/builtin-schema.test.ts fails when the file no longer matches the .proto files.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const { BUILT_IN_PROTOSET, parseBuiltInProtos } = require(join(__dirname, '..', 'dist', 'client', 'builtin-schema.js'));

parseBuiltInProtos().then((bytes) => {
  writeFileSync(BUILT_IN_PROTOSET, bytes);
  console.log(`wrote ${BUILT_IN_PROTOSET} (${bytes.length} bytes)`);
});
