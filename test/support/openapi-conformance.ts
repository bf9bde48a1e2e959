/**
 * A small structural check of a JSON value against an OpenAPI 3.0 schema of our document: enough to
 * tell whether an answer is what the document says, not a general validator. It knows what the
 * document uses ($ref, allOf, oneOf with a discriminator, type, nullable, enum, required,
 * properties, items, the limits, patterns and the formats int32, int64, double, date-time, uuid)
 * and is stricter than JSON Schema in one way: a property the schema does not name is a departure
 * (unless the schema names no properties at all: a free-form object), so an answer that grew a
 * field the document lacks fails.
 */
export interface Schema {
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly discriminator?: { readonly propertyName: string };
  readonly type?: string;
  readonly nullable?: boolean;
  readonly enum?: readonly unknown[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const typeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Where `value` departs from `schema`: one line per departure (path and what), none when it conforms. */
export const departures = (value: unknown, schema: Schema, schemas: Readonly<Record<string, Schema>>, path = '$'): string[] => {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = schemas[name];
    return target ? departures(value, target, schemas, path) : [`${path}: unresolved ${schema.$ref}`];
  }
  if (value === null) return schema.nullable ? [] : [`${path}: null, not nullable`];
  const found: string[] = [];
  for (const part of schema.allOf ?? []) found.push(...departures(value, part, schemas, path));
  if (schema.oneOf) {
    const key = schema.discriminator?.propertyName;
    const candidates = schema.oneOf.filter((option) => {
      if (key === undefined) return true;
      const resolved = option.$ref ? schemas[option.$ref.replace('#/components/schemas/', '')] : option;
      return resolved?.properties?.[key]?.enum?.includes((value as Record<string, unknown>)[key]) ?? false;
    });
    const matching = candidates.filter((option) => departures(value, option, schemas, path).length === 0);
    if (matching.length !== 1) {
      found.push(`${path}: matches ${matching.length} of oneOf${candidates[0] ? ` (${departures(value, candidates[0], schemas, path).join('; ')})` : ''}`);
    }
  }
  if (schema.enum && !schema.enum.includes(value)) found.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  const actual = typeOf(value);
  switch (schema.type) {
    case undefined:
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [...found, `${path}: ${JSON.stringify(value)} is not an integer`];
      break;
    case 'number':
      if (actual !== 'number') return [...found, `${path}: ${actual}, not a number`];
      break;
    default:
      if (actual !== schema.type) return [...found, `${path}: ${actual}, not ${schema.type}`];
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) found.push(`${path}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) found.push(`${path}: ${value} > ${schema.maximum}`);
    if (schema.format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) found.push(`${path}: ${value} is not an int32`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) found.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) found.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) found.push(`${path}: ${JSON.stringify(value.slice(0, 80))} does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) found.push(`${path}: ${value} is not a date-time`);
    if (schema.format === 'uuid' && !UUID.test(value)) found.push(`${path}: ${value} is not a uuid`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) found.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) found.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) found.push(`${path}: items repeat`);
    if (schema.items) value.forEach((item, index) => found.push(...departures(item, schema.items!, schemas, `${path}[${index}]`)));
  }
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const key of schema.required ?? []) if (!(key in record)) found.push(`${path}: lacks ${key}`);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) found.push(`${path}: fewer than ${schema.minProperties} properties`);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) found.push(`${path}: more than ${schema.maxProperties} properties`);
    if (schema.properties) {
      for (const key of keys) {
        const property = schema.properties[key];
        found.push(...(property === undefined ? [`${path}: ${key} is not documented`] : departures(record[key], property, schemas, `${path}.${key}`)));
      }
    }
  }
  return found;
};

