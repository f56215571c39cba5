/**
 * Every string of a JSON body in Unicode NFC, before the contract validates it: what is
 * validated is then exactly what is stored, and one text has one spelling ("é" is never also
 * "e" + U+0301). Keys are left alone: the contract names them, so an odd one is refused anyway.
 */
export function normalizeStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeStrings(value[i]);
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = normalizeStrings(record[key]);
  }
  return value;
}
