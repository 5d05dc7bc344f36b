// The schema a calling command needs (services, methods, message types), from server reflection
// or from .proto files, as @bufbuild/protobuf descriptors: they give proto3 JSON mapping (well-known
// types included), binary encoding and everything `describe` prints, from one registry.
import { CertrpcError } from '../errors/certrpc-error';
import {
  createFileRegistry,
  DescEnum,
  DescField,
  DescFile,
  DescMessage,
  DescMethod,
  DescService,
  FileRegistry,
  fromBinary,
} from '@bufbuild/protobuf';
import * as wkt from '@bufbuild/protobuf/wkt';
import { FileDescriptorProto, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { repairDescriptors } from './descriptor-repair';
import { displayName, parseSymbolName, splitMember, SymbolName } from './symbol-name';
import { similarNames } from '../text/similar-names';

/** Where descriptors come from: a server's reflection service, or .proto files parsed here. */
export interface SchemaSource {
  /** For messages: "server reflection", "--proto files". */
  readonly name: string;
  listServices(): Promise<string[]>;
  /** The file declaring symbol (and possibly its imports); undefined if unknown. */
  filesForSymbol(symbol: string): Promise<Uint8Array[] | undefined>;
  /** A file by its name, for imports the first answer left out; undefined if unknown. */
  fileByName(name: string): Promise<Uint8Array[] | undefined>;
}

export type SchemaElement = DescService | DescMethod | DescMessage | DescEnum | DescField;

export class SymbolNotFoundError extends CertrpcError {
  constructor(
    readonly symbol: string,
    readonly source: string,
    /** Known names close to it (canonical, dotted), best first: "did you mean". */
    readonly suggestions: string[] = [],
  ) {
    super(`"${symbol}" is not a service, method, message or enum known to ${source}`, { code: 'SYMBOL_NOT_FOUND' });
  }
}

/** The schema in hand does not hold together (a descriptor set missing an import, a broken descriptor). */
export class SchemaError extends CertrpcError {
  constructor(message: string, source: string) {
    super(`the schema from ${source} cannot be used: ${message}`, {
      code: 'SCHEMA_INCOMPLETE',
      fix: 'give every file it imports too (`protoc --include_imports --descriptor_set_out=FILE`)',
    });
  }
}

/**
 * The most files (and file names asked for) one schema may hold: a server answering each file with
 * more files it imports, or a file importing thousands, would otherwise be followed without end.
 */
const MAX_SCHEMA_FILES = 10_000;

/** How many services "did you mean" looks into on a miss; a server with more gets suggestions from these only. */
const SUGGESTION_SERVICES = 64;

/** Well-known types every protobuf runtime has built in: the fallback when a server does not send them. */
export const BUILT_IN: ReadonlyMap<string, DescFile> = new Map(
  Object.entries(wkt)
    .filter(([key]) => key.startsWith('file_google_protobuf_'))
    .map(([, file]) => [(file as DescFile).proto.name, file as DescFile]),
);

export class Schema {
  private readonly files = new Map<string, FileDescriptorProto>();

  constructor(readonly source: SchemaSource) {}

  listServices(): Promise<string[]> {
    return this.source.listServices().then((names) => [...names].sort());
  }

  /** A service, method (pkg.Service.Method, pkg.Service/Method, /pkg.Service/Method), message, enum or field by full name. */
  async find(symbol: string): Promise<{ element: SchemaElement; registry: FileRegistry }> {
    const parsed = parseSymbolName(symbol) ?? { canonical: symbol, slashed: false };
    const found = await this.lookup(parsed.canonical);
    if (found) return found;
    throw new SymbolNotFoundError(parsed.canonical, this.source.name, await this.similarTo(parsed, () => true));
  }

  /** The method for "pkg.Service/Method", "/pkg.Service/Method" or "pkg.Service.Method". */
  async method(symbol: string): Promise<{ method: DescMethod; registry: FileRegistry }> {
    const parsed = parseSymbolName(symbol) ?? { canonical: symbol, slashed: true };
    const found = await this.lookup(parsed.canonical);
    if (found?.element.kind === 'rpc') return { method: found.element, registry: found.registry };
    const where = found ? `${this.source.name} as a method (it is a ${kindName(found.element)})` : this.source.name;
    throw new SymbolNotFoundError(parsed.canonical, where, await this.similarTo(parsed, (e) => e.kind === 'rpc'));
  }

  /** The files declaring these elements and every file they import, each once, imports first (protoc's order). */
  descriptorSet(elements: SchemaElement[]): FileDescriptorProto[] {
    const out: FileDescriptorProto[] = [];
    const seen = new Set<string>();
    const add = (file: DescFile) => {
      if (seen.has(file.name)) return;
      seen.add(file.name);
      file.dependencies.forEach(add);
      out.push(file.proto);
    };
    for (const element of elements) add(fileOf(element));
    return out;
  }

  private async lookup(name: string): Promise<{ element: SchemaElement; registry: FileRegistry } | undefined> {
    // Methods and fields are found through their parent when the source only indexes types.
    for (const candidate of [name, parentOf(name)]) {
      if (!candidate) continue;
      const root = await this.load(candidate);
      if (!root) continue;
      const registry = await this.registryFor(root);
      const element = lookup(registry, name);
      if (element) return { element, registry };
    }
    return undefined;
  }

  /**
   * Known names close to a name not found, written the way the user wrote theirs (pkg.Svc/Method
   * if they used a slash): the services, their methods and the types their files declare. A name
   * that is the end of a known one (KeyValue/Get for demo.v1.KeyValue.Get) comes first, then the
   * closest by edit distance. Only on a miss, so the extra lookups cost nothing otherwise.
   */
  private async similarTo(name: SymbolName, wanted: (element: SchemaElement) => boolean): Promise<string[]> {
    const known = new Map<string, string>(); // canonical -> as displayed
    try {
      for (const service of (await this.listServices()).slice(0, SUGGESTION_SERVICES)) {
        const found = await this.lookup(service).catch(() => undefined);
        if (!found || found.element.kind !== 'service') continue;
        if (wanted(found.element)) known.set(service, service);
        for (const m of found.element.methods.filter(wanted))
          known.set(`${service}.${m.name}`, displayName(`${service}.${m.name}`, name.slashed));
        for (const type of found.registry)
          if ((type.kind === 'message' || type.kind === 'enum') && wanted(type)) known.set(type.typeName, type.typeName);
      }
    } catch {
      return []; // suggestions are a courtesy: a source that cannot list its services has none
    }
    const names = [...known.keys()];
    const lower = name.canonical.toLowerCase();
    const endings = names.filter((k) => k.toLowerCase() === lower || k.toLowerCase().endsWith(`.${lower}`));
    // A misspelt method of a known service is judged by the method name alone: its service is right.
    const member = splitMember(name.canonical);
    const siblings = member ? names.filter((k) => splitMember(k)?.parent === member.parent).map((k) => splitMember(k)!.member) : [];
    const sameService = member ? similarNames(member.member, siblings).map((m) => `${member.parent}.${m}`) : [];
    return [...new Set([...endings, ...sameService, ...similarNames(name.canonical, names)])].slice(0, 3).map((k) => known.get(k)!);
  }

  /** Loads the file declaring symbol; returns its name. */
  private async load(symbol: string): Promise<string | undefined> {
    const found = await this.source.filesForSymbol(symbol);
    if (!found || found.length === 0) return undefined;
    this.add(found);
    return fromBinary(FileDescriptorProtoSchema, found[0]).name;
  }

  /** Fetches imports the source left out, then builds a registry rooted at file `root`. */
  private async registryFor(root: string): Promise<FileRegistry> {
    for (let round = 0; ; round++) {
      await this.fetchImports(root);
      const unresolved = repairDescriptors(this.files, BUILT_IN);
      // Descriptors from protobufjs name no imports: fetch the files declaring what is still unknown.
      if (unresolved.length === 0 || round === 3 || !(await this.fetchDeclaring(unresolved))) break;
    }
    try {
      return createFileRegistry(this.files.get(root)!, (name) => this.files.get(name) ?? BUILT_IN.get(name));
    } catch (err) {
      throw new SchemaError((err as Error).message, this.source.name);
    }
  }

  private add(found: Uint8Array[] | undefined): boolean {
    let added = false;
    for (const bytes of found ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      if (!this.files.has(file.name)) {
        if (this.files.size >= MAX_SCHEMA_FILES) throw new SchemaError(`more than ${MAX_SCHEMA_FILES} files`, this.source.name);
        this.files.set(file.name, file);
        added = true;
      }
    }
    return added;
  }

  private async fetchImports(root: string): Promise<void> {
    const pending = [root];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (seen.has(name)) continue;
      if (seen.size >= MAX_SCHEMA_FILES) throw new SchemaError(`more than ${MAX_SCHEMA_FILES} files`, this.source.name);
      seen.add(name);
      if (!this.files.has(name) && !BUILT_IN.has(name)) this.add(await this.source.fileByName(name));
      pending.push(...(this.files.get(name)?.dependency ?? []));
    }
  }

  private async fetchDeclaring(unresolved: { candidates: string[] }[]): Promise<boolean> {
    let added = false;
    for (const { candidates } of unresolved) {
      for (const candidate of candidates) {
        if (this.add(await this.source.filesForSymbol(candidate))) {
          added = true;
          break;
        }
      }
    }
    return added;
  }
}

function fileOf(element: SchemaElement): DescFile {
  switch (element.kind) {
    case 'rpc':
      return element.parent.file;
    case 'field':
      return element.parent.file;
    default:
      return element.file;
  }
}

function parentOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

function lookup(registry: FileRegistry, name: string): SchemaElement | undefined {
  const direct = registry.get(name);
  if (direct && direct.kind !== 'extension') return direct;
  const parent = parentOf(name);
  const member = name.slice(name.lastIndexOf('.') + 1);
  if (!parent) return undefined;
  const service = registry.getService(parent);
  if (service) return service.methods.find((m) => m.name === member);
  return registry.getMessage(parent)?.fields.find((f) => f.name === member);
}

export function kindName(element: SchemaElement): string {
  switch (element.kind) {
    case 'service':
      return 'service';
    case 'rpc':
      return 'method';
    case 'message':
      return 'message';
    case 'enum':
      return 'enum';
    default:
      return 'field';
  }
}
