#!/usr/bin/env node
// After `buf generate`: ts-proto's files import BinaryReader/BinaryWriter from
// @bufbuild/protobuf/wire, whose entry point loads far more than they need; they import them from
// src/wire/binary-wire.ts instead (it says why). Run by scripts/generate.sh.
'use strict';
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const target = join(root, 'src', 'wire', 'binary-wire');

function rewrite(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewrite(path);
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      const to = relative(dirname(path), target).split('\\').join('/');
      const next = text.split('from "@bufbuild/protobuf/wire";').join(`from "${to}";`);
      if (next !== text) writeFileSync(path, next);
    }
  }
}

rewrite(join(root, 'src', 'gen'));
