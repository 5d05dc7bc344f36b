// Reads a policy file (certrpc YAML, or gRFC A43 JSON, which YAML also parses) keeping every
// node's position, so each problem is reported with its line and column, not only its field.
import { isMap, isNode, LineCounter, parseDocument, Document, YAMLError } from 'yaml';
import { a43PolicyFromDocument, isA43Document } from './a43-policy';
import { CompiledPolicy } from './compiled-policy';
import { fieldPath, PolicyError, PolicyIssue } from './policy-error';
import { PolicyModel } from './policy-model';
import { certrpcPolicyFromDocument } from './policy-schema';
import { PathIssue } from './schema-issues';
import { readUserFile } from '../store/read-file';

/** Parses and validates policy text; throws a PolicyError listing every problem with its line. */
export function parsePolicy(text: string, file: string): PolicyModel {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new PolicyError(file, doc.errors.map((e) => syntaxIssue(e, lines)));
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    throw new PolicyError(file, [{ message: 'the file is empty', fix: 'write a policy with "roles:" and "rules:" (see policy.yaml), or an A43 JSON policy' }]);
  }
  const result = isA43Document(data) ? a43PolicyFromDocument(data, file) : certrpcPolicyFromDocument(data, file);
  if ('issues' in result) throw new PolicyError(file, result.issues.map((i) => locate(i, doc, lines)));
  const model = result.model;
  const ruleList = model.format === 'a43' ? undefined : 'rules';
  model.rules.forEach((rule, i) => {
    rule.source = { file, line: ruleList ? lineOf(doc, lines, [ruleList, i]) : a43RuleLine(doc, lines, rule.effect, rule.name) };
  });
  for (const role of model.roles) {
    role.source = { file, line: model.format === 'a43' ? a43RuleLine(doc, lines, role.name.startsWith('deny:') ? 'deny' : 'allow', role.name.replace(/^deny:/, '')) : lineOf(doc, lines, ['roles', role.name], true) };
  }
  return model;
}

/** Reads, validates and compiles a policy file. Throws PkiError (cannot read) or PolicyError (invalid). */
export function loadPolicyFile(file: string, generation = 1): CompiledPolicy {
  return new CompiledPolicy(parsePolicy(readUserFile(file, 'policy file', '--policy'), file), generation);
}

function syntaxIssue(error: YAMLError, lines: LineCounter): PolicyIssue {
  const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
  const message = `YAML syntax error: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
  let fix = 'check the indentation (spaces, not tabs), colons and quotes on this line';
  if (/alias|anchor/i.test(error.message) || error.code === 'BAD_ALIAS') fix = 'quote wildcards: write "*" or "svc-*" in quotes (an unquoted * starts a YAML alias)';
  else if (error.code === 'DUPLICATE_KEY') fix = 'remove or rename one of the two keys';
  return { line: pos.line, column: pos.col, message, fix };
}

/** Adds the line and column of the issue's path (or its closest existing parent) and the field name. */
function locate(issue: PathIssue, doc: Document, lines: LineCounter): PolicyIssue {
  const pos = position(doc, lines, issue.path, issue.key ?? false);
  return { line: pos?.line, column: pos?.col, field: fieldPath(issue.path) || undefined, message: issue.message, fix: issue.fix };
}

function position(doc: Document, lines: LineCounter, path: readonly PropertyKey[], key: boolean): { line: number; col: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const at = path.slice(0, n);
    if (key && n === path.length && n > 0) {
      const parent = doc.getIn(at.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === at[at.length - 1]);
        if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(at, true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
}

function lineOf(doc: Document, lines: LineCounter, path: PropertyKey[], key = false): number | undefined {
  return position(doc, lines, path, key)?.line;
}

function a43RuleLine(doc: Document, lines: LineCounter, effect: 'allow' | 'deny', name: string): number | undefined {
  const list = effect === 'deny' ? 'deny_rules' : 'allow_rules';
  const rules = doc.getIn([list]) as { items?: unknown[] } | undefined;
  const index = (rules?.items ?? []).findIndex((item) => isMap(item) && item.get('name') === name);
  return index >= 0 ? lineOf(doc, lines, [list, index]) : undefined;
}
