// Rules by the methods they name, so a decision looks at the few rules about its method instead
// of scanning the policy: exact paths in one map, "/pkg.Svc/*" in a map by service, "*" in one
// list, and (A43 only) other prefix/suffix patterns in a short list tried one by one. The merged
// candidate list per method is cached, so a repeated method costs one map lookup.
// In A43 files `*` is a prefix or suffix match (or literal, in the middle), so an A43 "/pkg.Svc/*"
// is the prefix "/pkg.Svc/" (tried one by one), not certrpc's "every method of the service".
import { CompiledHeaderCondition, compileHeaderConditions } from './header-conditions';
import { ANY_CALLER, RuleModel, SourceLocation } from './policy-model';
import { isLiteralPattern, PatternSyntax, patternMatcher, ValueMatcher } from './wildcard';

export interface CompiledRule {
  /** Position in the policy: the first matching rule (by position) is the one reported. */
  index: number;
  name: string;
  effect: 'allow' | 'deny';
  anyCaller: boolean;
  roles: ReadonlySet<string>;
  roleList: readonly string[];
  methods: readonly string[];
  headers?: CompiledHeaderCondition[];
  source?: SourceLocation;
}

export function compileRule(rule: RuleModel, index: number, syntax: PatternSyntax = 'glob'): CompiledRule {
  return {
    index,
    name: rule.name,
    effect: rule.effect,
    anyCaller: rule.roles.includes(ANY_CALLER),
    roles: new Set(rule.roles),
    roleList: rule.roles,
    methods: rule.methods ?? [],
    headers: compileHeaderConditions(rule.headers, syntax),
    source: rule.source,
  };
}

/** "/pkg.Svc/" for "/pkg.Svc/*": the key of the by-service map; undefined for any other pattern. */
function servicePrefix(pattern: string): string | undefined {
  if (!pattern.startsWith('/') || !pattern.endsWith('/*')) return undefined;
  const prefix = pattern.slice(0, -1);
  return prefix.indexOf('*') === -1 && prefix.indexOf('/', 1) === prefix.length - 1 ? prefix : undefined;
}

const MAX_CACHED_METHODS = 10_000;

export class MethodIndex {
  private readonly exact = new Map<string, CompiledRule[]>();
  private readonly byService = new Map<string, CompiledRule[]>();
  private readonly everyMethod: CompiledRule[] = [];
  private readonly patterns: { matches: ValueMatcher; rule: CompiledRule }[] = [];
  private readonly merged = new Map<string, readonly CompiledRule[]>();

  constructor(rules: readonly CompiledRule[], syntax: PatternSyntax = 'glob') {
    for (const rule of rules) {
      for (const pattern of new Set(rule.methods)) {
        const service = syntax === 'glob' ? servicePrefix(pattern) : undefined;
        if (pattern === '*') this.everyMethod.push(rule);
        else if (service) push(this.byService, service, rule);
        else if (isLiteralPattern(pattern, syntax)) push(this.exact, pattern, rule);
        else this.patterns.push({ matches: patternMatcher(pattern, syntax, { segments: 'path' }), rule });
      }
    }
  }

  /** The rules that name this method, in policy order. */
  candidates(method: string): readonly CompiledRule[] {
    const hit = this.merged.get(method);
    if (hit) return hit;
    const slash = method.lastIndexOf('/');
    const found = new Set<CompiledRule>([
      ...(this.exact.get(method) ?? []),
      ...(slash > 0 ? (this.byService.get(method.slice(0, slash + 1)) ?? []) : []),
      ...this.everyMethod,
      ...this.patterns.filter((p) => p.matches(method)).map((p) => p.rule),
    ]);
    const list = Object.freeze([...found].sort((a, b) => a.index - b.index));
    // Only methods a server serves reach here in practice; the bound guards `explain`-style callers.
    if (this.merged.size < MAX_CACHED_METHODS) this.merged.set(method, list);
    return list;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
