/** Part numbers are matched as printed minus case, spaces, dashes, dots and slashes: "77 01-208.265" = "7701208265". */
export const normalizePartNumber = (number: string): string => number.toUpperCase().replace(/[\s./-]+/g, '');

/** Lower case without accents: "Fès" → "fes". Used for every case- and accent-insensitive key. */
export const foldText = (text: string): string =>
  text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/** Identity of a make or model for matching ("Citroën" = "CITROEN" = "citroen"). */
export const vehicleKey = (name: string): string => foldText(name).trim().replace(/\s+/g, ' ');

/** Words as the search indexes see them: folded, alphanumeric runs only, so no query syntax can leak through. */
export const searchTokens = (text: string): string[] => foldText(text).match(/[a-z0-9]+/g) ?? [];

export const MAX_QUERY_TOKENS = 12;

export interface SearchDocument {
  title: string;
  body: string;
}

/** What full-text search indexes for a listing: the title apart (it ranks higher), the rest together. */
export function searchDocument(part: { title: string; description: string; brand: string; partNumbers: { number: string }[] }): SearchDocument {
  const numbers = part.partNumbers.flatMap((p) => [p.number, normalizePartNumber(p.number)]);
  return {
    title: searchTokens(part.title).join(' '),
    body: searchTokens([part.brand, part.description, ...numbers].join(' ')).join(' '),
  };
}
