// The schema a calling command needs (services, methods, message types), from server reflection
// or from .proto files, as @bufbuild/protobuf descriptors: they give proto3 JSON mapping (well-known
// types included), binary encoding and everything `describe` prints, from one registry.
import { CertrpcError } from '../errors/certrpc-error';
import { createFileRegistry, DescEnum, DescField, DescFile, DescMessage, DescMethod, DescService, FileRegistry, fromBinary } from '@bufbuild/protobuf';
import * as wkt from '@bufbuild/protobuf/wkt';
import { FileDescriptorProto, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { repairDescriptors } from './descriptor-repair';

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
  ) {
    super(`"${symbol}" is not a service, method, message or enum known to ${source}`, { code: 'SYMBOL_NOT_FOUND' });
  }
}

/** Well-known types every protobuf runtime has built in: the fallback when a server does not send them. */
const BUILT_IN: Map<string, DescFile> = new Map(
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

  /** A service, method ("pkg.Service.Method" or "pkg.Service/Method"), message, enum or field by full name. */
  async find(symbol: string): Promise<{ element: SchemaElement; registry: FileRegistry }> {
    const name = symbol.replace(/^\./, '').replace('/', '.');
    // Methods and fields are found through their parent when the source only indexes types.
    for (const candidate of [name, parentOf(name)]) {
      if (!candidate) continue;
      const root = await this.load(candidate);
      if (!root) continue;
      const registry = await this.registryFor(root);
      const element = lookup(registry, name);
      if (element) return { element, registry };
    }
    throw new SymbolNotFoundError(name, this.source.name);
  }

  /** The method for "pkg.Service/Method" or "pkg.Service.Method". */
  async method(name: string): Promise<{ method: DescMethod; registry: FileRegistry }> {
    const { element, registry } = await this.find(name);
    if (element.kind !== 'rpc') throw new SymbolNotFoundError(name.replace('/', '.'), `${this.source.name} as a method (it is a ${kindName(element)})`);
    return { method: element, registry };
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
    return createFileRegistry(this.files.get(root)!, (name) => this.files.get(name) ?? BUILT_IN.get(name));
  }

  private add(found: Uint8Array[] | undefined): boolean {
    let added = false;
    for (const bytes of found ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      if (!this.files.has(file.name)) {
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
