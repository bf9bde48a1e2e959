/**
 * Input schemas: what a command's data may hold, said once, as plain data. The HTTP edge turns a
 * schema into its validation rules and into the command's OpenAPI request schema, so the document,
 * the validator and the type the decider reads can never disagree (`inputOf` checks the last at
 * compile time). Every string and list is bounded: the limits are part of the contract.
 */

interface FieldBase {
  readonly description?: string;
  readonly optional?: true;
}

export interface IdField extends FieldBase {
  readonly kind: 'id';
}
/** A 6-digit administrative division code (GB/T 2260). */
export interface CodeField extends FieldBase {
  readonly kind: 'code';
}
/** Text people read: one line unless multiline. */
export interface TextField extends FieldBase {
  readonly kind: 'text';
  readonly max: number;
  readonly multiline?: boolean;
}
export interface EnumField<V extends string = string> extends FieldBase {
  readonly kind: 'enum';
  readonly values: readonly V[];
}
export interface IntegerField extends FieldBase {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
}
export interface BooleanField extends FieldBase {
  readonly kind: 'boolean';
}
/** An ISO 8601 instant with offset, read by parseInstant. */
export interface InstantField extends FieldBase {
  readonly kind: 'instant';
}
/** A SHA-256 digest in lowercase hex. */
export interface DigestField extends FieldBase {
  readonly kind: 'sha256';
}
export interface ListField<F extends FieldSchema = FieldSchema> extends FieldBase {
  readonly kind: 'list';
  readonly of: F;
  readonly min: number;
  readonly max: number;
}
export interface ObjectField<Fs extends Record<string, FieldSchema> = Record<string, FieldSchema>> extends FieldBase {
  readonly kind: 'object';
  readonly fields: Fs;
}

export type FieldSchema = IdField | CodeField | TextField | EnumField | IntegerField | BooleanField | InstantField | DigestField | ListField | ObjectField;
export type ObjectSchema = ObjectField;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<Fs extends Record<string, FieldSchema>> = Simplify<
  { -readonly [K in keyof Fs as Fs[K] extends { optional: true } ? never : K]: Infer<Fs[K]> } & {
    -readonly [K in keyof Fs as Fs[K] extends { optional: true } ? K : never]?: Infer<Fs[K]>;
  }
>;

/** The TypeScript type a value valid under `F` has. */
export type Infer<F> = F extends IdField | CodeField | TextField | InstantField | DigestField
  ? string
  : F extends EnumField<infer V>
    ? V
    : F extends IntegerField
      ? number
      : F extends BooleanField
        ? boolean
        : F extends ListField<infer O>
          ? Infer<O>[]
          : F extends ObjectField<infer Fs>
            ? ObjectOf<Fs>
            : never;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * A command's input schema, checked at compile time to describe exactly `T`, the data its decider
 * reads: a field missing from either side, or typed differently, does not compile.
 */
export const inputOf =
  <T>() =>
  <Fs extends Record<string, FieldSchema>>(fields: Fs & (Equals<ObjectOf<Fs>, T> extends true ? unknown : { readonly schemaDoesNotMatch: ObjectOf<Fs> })): ObjectField<Fs> => ({
    kind: 'object',
    fields,
  });

/** Letters, digits and . _ : - only, first a letter or digit: ids name streams and must never forge another's name. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const CODE_PATTERN = /^\d{6}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export const field = {
  id: (description?: string): IdField => ({ kind: 'id', ...(description ? { description } : {}) }),
  code: (description?: string): CodeField => ({ kind: 'code', ...(description ? { description } : {}) }),
  text: (max: number, options: { multiline?: boolean; description?: string } = {}): TextField => ({ kind: 'text', max, ...options }),
  oneOf: <V extends string>(values: readonly V[], description?: string): EnumField<V> => ({ kind: 'enum', values, ...(description ? { description } : {}) }),
  integer: (min: number, max: number, description?: string): IntegerField => ({ kind: 'integer', min, max, ...(description ? { description } : {}) }),
  boolean: (description?: string): BooleanField => ({ kind: 'boolean', ...(description ? { description } : {}) }),
  instant: (description?: string): InstantField => ({ kind: 'instant', ...(description ? { description } : {}) }),
  sha256: (description?: string): DigestField => ({ kind: 'sha256', ...(description ? { description } : {}) }),
  list: <F extends FieldSchema>(of: F, min: number, max: number, description?: string): ListField<F> => ({ kind: 'list', of, min, max, ...(description ? { description } : {}) }),
  object: <Fs extends Record<string, FieldSchema>>(fields: Fs, description?: string): ObjectField<Fs> => ({ kind: 'object', fields, ...(description ? { description } : {}) }),
  /** The same field, which a command may leave out. */
  optional: <F extends FieldSchema>(of: F): F & { readonly optional: true } => ({ ...of, optional: true }),
};
