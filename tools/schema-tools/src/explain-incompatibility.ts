import avro from 'avsc';

/** Why a reader schema cannot read data written with a writer schema, located at a field path. */
export type Incompatibility =
  /** The reader has a field the writer lacks, and no default for it. */
  | { readonly kind: 'missing-field'; readonly path: string }
  | { readonly kind: 'type-mismatch'; readonly path: string; readonly reader: string; readonly writer: string }
  /** The writer may write enum symbols the reader does not know, and the reader's enum has no default. */
  | {
      readonly kind: 'missing-symbols';
      readonly path: string;
      readonly enumName: string;
      readonly symbols: readonly string[];
    }
  | { readonly kind: 'name-mismatch'; readonly path: string; readonly reader: string; readonly writer: string };

/**
 * Finds the first reason `reader` cannot resolve `writer`, following Avro's schema resolution rules by walking both
 * schemas; undefined when avsc can build a resolver. avsc decides; this only locates and names the cause.
 */
export function explainIncompatibility(reader: avro.Type, writer: avro.Type, path = ''): Incompatibility | undefined {
  if (canRead(reader, writer)) return undefined;
  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    if (!sameName(reader, writer)) return { kind: 'name-mismatch', path, reader: reader.name!, writer: writer.name! };
    for (const field of reader.fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const names = [field.name, ...field.aliases];
      const written = writer.fields.find((f) => names.includes(f.name));
      if (!written) {
        if (field.defaultValue() === undefined) return { kind: 'missing-field', path: fieldPath };
        continue;
      }
      const inner = explainIncompatibility(field.type, written.type, fieldPath);
      if (inner) return inner;
    }
  }
  if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
    if (!sameName(reader, writer)) return { kind: 'name-mismatch', path, reader: reader.name!, writer: writer.name! };
    const symbols = writer.symbols.filter((s) => !reader.symbols.includes(s));
    if (symbols.length > 0) return { kind: 'missing-symbols', path, enumName: reader.name!, symbols };
  }
  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
    return explainIncompatibility(reader.itemsType, writer.itemsType, `${path}[]`) ?? mismatch(reader, writer, path);
  }
  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
    return (
      explainIncompatibility(reader.valuesType as avro.Type, writer.valuesType as avro.Type, `${path}{}`) ??
      mismatch(reader, writer, path)
    );
  }
  if (writer instanceof avro.types.UnwrappedUnionType || reader instanceof avro.types.UnwrappedUnionType) {
    return explainUnion(reader, writer, path);
  }
  return mismatch(reader, writer, path);
}

/** A union reads a writer when some branch does; a union writer needs every branch read. Look inside named pairs. */
function explainUnion(reader: avro.Type, writer: avro.Type, path: string): Incompatibility {
  const readers = reader instanceof avro.types.UnwrappedUnionType ? reader.types : [reader];
  const writers = writer instanceof avro.types.UnwrappedUnionType ? writer.types : [writer];
  const unread = writers.find((w) => !readers.some((r) => canRead(r, w)));
  if (unread?.name !== undefined) {
    const namesake = readers.find((r) => r.name === unread.name);
    const inner = namesake && explainIncompatibility(namesake, unread, path);
    if (inner) return inner;
  }
  return mismatch(reader, writer, path);
}

function canRead(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

function sameName(reader: avro.Type, writer: avro.Type): boolean {
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name!);
}

function mismatch(reader: avro.Type, writer: avro.Type, path: string): Incompatibility {
  return { kind: 'type-mismatch', path, reader: typeLabel(reader), writer: typeLabel(writer) };
}

/** A short human form of a type: `long`, `timestamp-millis`, `null | string`, `array<string>`, a record's name. */
export function typeLabel(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType) return type.types.map(typeLabel).join(' | ');
  if (type instanceof avro.types.ArrayType) return `array<${typeLabel(type.itemsType)}>`;
  if (type instanceof avro.types.MapType) return `map<${typeLabel(type.valuesType as avro.Type)}>`;
  if (type.name !== undefined) return type.name;
  if (type.typeName === 'abstract:long') return 'long';
  return type.typeName.replace(/^logical:/, '');
}
