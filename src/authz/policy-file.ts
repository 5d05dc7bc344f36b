// Reads a policy file (certrpc YAML, or gRFC A43 JSON, which YAML also parses) keeping every
// node's position, so each problem is reported with its line and column, not only its field.
import type { Document, LineCounter } from 'yaml';
import { locateIssue, parseYaml, positionOf } from '../text/yaml-file';
import { a43PolicyFromDocument, isA43Document } from './a43-policy';
import { CompiledPolicy } from './compiled-policy';
import { ConfigError } from '../text/config-error';
import { PolicyModel } from './policy-model';
import { certrpcPolicyFromDocument } from './certrpc-policy';
import { readUserFile } from '../store/read-file';

/** Parses and validates policy text; throws a ConfigError listing every problem with its line. */
export function parsePolicy(text: string, file: string): PolicyModel {
  const parsed = parseYaml(text);
  if ('issues' in parsed) throw new ConfigError(file, parsed.issues);
  const { data, doc, lines } = parsed.parsed;
  if (data === null || data === undefined) {
    throw new ConfigError(file, [
      { message: 'the file is empty', fix: 'write a policy with "roles:" and "rules:" (see policy.yaml), or an A43 JSON policy' },
    ]);
  }
  const result = isA43Document(data) ? a43PolicyFromDocument(data, file) : certrpcPolicyFromDocument(data, file);
  if ('issues' in result)
    throw new ConfigError(
      file,
      result.issues.map((i) => locateIssue(i, { doc, lines })),
    );
  const model = result.model;
  // A role of a certrpc policy is a key ("admin:"); of an A43 policy, the rule that lists its principals.
  const keyed = model.format === 'certrpc';
  for (const rule of model.rules) rule.source = { file, line: rule.at && lineOf(doc, lines, rule.at) };
  for (const role of model.roles) role.source = { file, line: role.at && lineOf(doc, lines, role.at, keyed) };
  return model;
}

/** Reads, validates and compiles a policy file. Throws PkiError (cannot read) or ConfigError (invalid). */
export function loadPolicyFile(file: string, generation = 1): CompiledPolicy {
  return new CompiledPolicy(parsePolicy(readUserFile(file, 'policy file', 'policyFile'), file), generation);
}

// Syntax errors and schema issues are located by config/yaml-file.ts, shared with the serve config.

function lineOf(doc: Document, lines: LineCounter, path: PropertyKey[], key = false): number | undefined {
  return positionOf(doc, lines, path, key)?.line;
}
