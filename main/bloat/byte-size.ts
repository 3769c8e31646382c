// Byte sizes as CI rules write them, parsed the way dive does (go-humanize's ParseBytes): `20MB` is
// 20·1000², `1GiB` is 1024³, the unit is case-insensitive and optional, and decimals are allowed.
const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 1024, kib: 1024,
  m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4,
  p: 1e15, pb: 1e15, pi: 1024 ** 5, pib: 1024 ** 5,
};

/** Parses `20MB`, `1GiB`, `1.5 kb`, `1,000` or `512` into bytes (rounded down); null when it is not a size. */
export function parseByteSize(text: string): number | null {
  const match = /^\s*([0-9][0-9.,]*)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!match) return null;
  const value = Number(match[1].replace(/,/g, ''));
  const unit = UNITS[match[2].toLowerCase()];
  if (!Number.isFinite(value) || unit === undefined) return null;
  const bytes = Math.floor(value * unit);
  return Number.isSafeInteger(bytes) ? bytes : null;
}
