// proto-loader describes .proto files with protobufjs, which writes descriptors protoc never
// would: relative type names ("Tag" for ".t.v1.Event.Tag"), no imports, no json_name and no
// proto3_optional flag. grpc-js servers serve these same descriptors through reflection.
// @bufbuild/protobuf rightly wants protoc's form; this turns the one into the other.
import { protoCamelCase } from '@bufbuild/protobuf/reflect';
import { DescFile } from '@bufbuild/protobuf';
import { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/** A type name that could not be resolved: what to look up next, from the innermost scope out. */
export interface UnresolvedType {
  file: string;
  candidates: string[];
}

function join(scope: string, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

/** protoc's lookup: "Tag" used inside a.b.Event is tried as a.b.Event.Tag, a.b.Tag, a.Tag, Tag. */
function candidatesFor(name: string, scope: string): string[] {
  if (name.startsWith('.')) return [name.slice(1)];
  const out: string[] = [];
  for (let s = scope; ; s = s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '') {
    out.push(join(s, name));
    if (s === '') return out;
  }
}

function typesOf(file: FileDescriptorProto): string[] {
  const names: string[] = file.enumType.map((e) => join(file.package, e.name));
  const walk = (message: DescriptorProto, scope: string) => {
    const name = join(scope, message.name);
    names.push(name, ...message.enumType.map((e) => join(name, e.name)));
    message.nestedType.forEach((m) => walk(m, name));
  };
  file.messageType.forEach((m) => walk(m, file.package));
  return names;
}

/**
 * Rewrites `files` in place: fully qualified type names, the imports they need, json names, and
 * proto3 optional fields marked. `builtIn` supplies well-known types no file in the set declares.
 * Returns the references no known file declares, so the caller can fetch more files and retry.
 */
export function repairDescriptors(files: Map<string, FileDescriptorProto>, builtIn: ReadonlyMap<string, DescFile>): UnresolvedType[] {
  const declaredIn = new Map<string, string>();
  for (const [name, file] of builtIn) for (const type of typesOf(file.proto)) declaredIn.set(type, name);
  for (const [name, file] of files) for (const type of typesOf(file)) declaredIn.set(type, name);
  const unresolved: UnresolvedType[] = [];

  for (const file of files.values()) {
    const imports = new Set(file.dependency);
    const resolve = (name: string, scope: string): string => {
      if (!name) return name;
      const candidates = candidatesFor(name, scope);
      const found = candidates.find((c) => declaredIn.has(c));
      if (!found) {
        unresolved.push({ file: file.name, candidates });
        return name;
      }
      const home = declaredIn.get(found)!;
      if (home !== file.name) imports.add(home);
      return `.${found}`;
    };
    const fixField = (field: FieldDescriptorProto, scope: string) => {
      field.typeName = resolve(field.typeName, scope);
      if (field.extendee) field.extendee = resolve(field.extendee, scope);
      if (!field.jsonName) field.jsonName = protoCamelCase(field.name);
    };
    const fixMessage = (message: DescriptorProto, scope: string) => {
      const name = join(scope, message.name);
      message.field.forEach((f) => fixField(f, name));
      message.extension.forEach((f) => fixField(f, name));
      if (file.syntax === 'proto3') markProto3Optionals(message);
      message.nestedType.forEach((m) => fixMessage(m, name));
    };
    file.messageType.forEach((m) => fixMessage(m, file.package));
    file.extension.forEach((f) => fixField(f, file.package));
    for (const service of file.service) {
      for (const method of service.method) {
        method.inputType = resolve(method.inputType, file.package);
        method.outputType = resolve(method.outputType, file.package);
      }
    }
    file.dependency = [...imports];
  }
  return unresolved;
}

/** protoc puts a proto3 `optional` field alone in a oneof named "_field" and flags it; protobufjs only does the first. */
function markProto3Optionals(message: DescriptorProto): void {
  message.oneofDecl.forEach((oneof, index) => {
    const members = message.field.filter((f) => f.oneofIndex === index);
    if (members.length === 1 && oneof.name === `_${members[0].name}`) members[0].proto3Optional = true;
  });
}
