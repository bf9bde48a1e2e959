/**
 * Whether a string is well-formed UTF-16: no lone surrogate. An ill-formed string has no UTF-8
 * form, so it cannot be stored, hashed or sent on unchanged (its lone surrogates become U+FFFD).
 * With the `u` flag a paired surrogate is one code point and only lone ones match `\p{Cs}`.
 */
export const isWellFormedText = (value: string): boolean => !/\p{Cs}/u.test(value);
