// Descriptors printed back as proto source, for `certrpc describe`. Type names are fully
// qualified with a leading dot (as grpcurl prints them), so the text is unambiguous.
import { DescEnum, DescField, DescMessage, DescMethod, DescOneof, DescService, ScalarType } from '@bufbuild/protobuf';
import { Edition, FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import type { SchemaElement } from './schema';

const INDENT = '  ';

function scalarName(type: ScalarType): string {
  return ScalarType[type].toLowerCase();
}

function typeOf(field: DescField): string {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarName(field.scalar);
    case 'enum':
      return `.${field.enum.typeName}`;
    case 'message':
      return `.${field.message.typeName}`;
    case 'list':
      return field.listKind === 'scalar'
        ? scalarName(field.scalar)
        : field.listKind === 'enum'
          ? `.${field.enum.typeName}`
          : `.${field.message.typeName}`;
    case 'map': {
      const value =
        field.mapKind === 'scalar'
          ? scalarName(field.scalar)
          : field.mapKind === 'enum'
            ? `.${field.enum.typeName}`
            : `.${field.message.typeName}`;
      return `map<${scalarName(field.mapKey)}, ${value}>`;
    }
  }
}

function label(field: DescField): string {
  if (field.fieldKind === 'list') return 'repeated ';
  if (field.fieldKind === 'map' || field.oneof) return '';
  if (field.proto.proto3Optional) return 'optional ';
  if (field.parent.file.edition === Edition.EDITION_PROTO2)
    return field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED ? 'required ' : 'optional ';
  return '';
}

export function fieldSource(field: DescField, indent = ''): string {
  const options = field.deprecated ? ' [deprecated = true]' : '';
  return `${indent}${label(field)}${typeOf(field)} ${field.name} = ${field.number}${options};`;
}

function oneofSource(oneof: DescOneof, indent: string): string[] {
  return [`${indent}oneof ${oneof.name} {`, ...oneof.fields.map((f) => fieldSource(f, indent + INDENT)), `${indent}}`];
}

export function enumSource(desc: DescEnum, indent = ''): string {
  const values = desc.values.map((v) => `${indent}${INDENT}${v.name} = ${v.number};`);
  return [`${indent}enum ${desc.name} {`, ...values, `${indent}}`].join('\n');
}

export function messageSource(desc: DescMessage, indent = ''): string {
  const inner = indent + INDENT;
  const body: string[] = [];
  for (const member of desc.members) {
    if (member.kind === 'oneof') body.push(...oneofSource(member, inner));
    else body.push(fieldSource(member, inner));
  }
  for (const nested of desc.nestedMessages) body.push(messageSource(nested, inner));
  for (const nested of desc.nestedEnums) body.push(enumSource(nested, inner));
  if (body.length === 0) return `${indent}message ${desc.name} {}`;
  return [`${indent}message ${desc.name} {`, ...body, `${indent}}`].join('\n');
}

export function methodSource(method: DescMethod, indent = ''): string {
  const input = `${method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming' ? 'stream ' : ''}.${method.input.typeName}`;
  const output = `${method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming' ? 'stream ' : ''}.${method.output.typeName}`;
  return `${indent}rpc ${method.name}(${input}) returns (${output});`;
}

export function serviceSource(service: DescService): string {
  return [`service ${service.name} {`, ...service.methods.map((m) => methodSource(m, INDENT)), '}'].join('\n');
}

/** "demo.v1.KeyValue.Put is a method:" followed by its source; a method also shows both message types. */
export function describeElement(element: SchemaElement): string {
  switch (element.kind) {
    case 'service':
      return `// ${element.typeName} is a service:\n${serviceSource(element)}`;
    case 'rpc': {
      const out = [
        `// ${element.parent.typeName}.${element.name} is a method (${element.methodKind.replace('_', ' ')}):`,
        methodSource(element),
      ];
      out.push('', `// request: ${element.input.typeName}`, messageSource(element.input));
      if (element.output.typeName !== element.input.typeName)
        out.push('', `// response: ${element.output.typeName}`, messageSource(element.output));
      return out.join('\n');
    }
    case 'message':
      return `// ${element.typeName} is a message:\n${messageSource(element)}`;
    case 'enum':
      return `// ${element.typeName} is an enum:\n${enumSource(element)}`;
    case 'field':
      return `// ${element.parent.typeName}.${element.name} is a field of ${element.parent.typeName}:\n${fieldSource(element)}`;
  }
}
