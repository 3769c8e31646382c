// One error type for bad input, carrying the file (and entry) it concerns.

/** Machine-readable categories of user-facing errors. */
export type StrataErrorCode =
  | 'not-found'
  | 'unknown-format'
  | 'malformed'
  | 'digest-mismatch'
  | 'too-large'
  | 'unsafe-path'
  | 'cancelled'
  | 'stalled'
  | 'network'
  | 'auth'
  | 'usage';

/** A user-facing failure: one clear sentence naming the file and, where known, the entry. */
export class StrataError extends Error {
  readonly code: StrataErrorCode;
  readonly file?: string;
  readonly entry?: string;

  constructor(code: StrataErrorCode, message: string, where: { file?: string; entry?: string } = {}) {
    super(message);
    this.name = 'StrataError';
    this.code = code;
    this.file = where.file;
    this.entry = where.entry;
  }
}

/** Tells whether a value is a StrataError (also across realms, by shape). */
export function isStrataError(value: unknown): value is StrataError {
  return value instanceof Error && value.name === 'StrataError' && typeof (value as StrataError).code === 'string';
}
