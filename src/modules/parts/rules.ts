import type { components } from '../../generated/api';
import { Problem, type FieldError } from '../../http/problems';
import { normalizePartNumber } from './normalize';

export type PartInput = components['schemas']['PartInput'];

/**
 * The rules JSON Schema cannot say: grade and donor vehicle belong to used parts, year ranges are
 * ordered, money is in the marketplace currency, a number is listed once. All reported together.
 */
export function assertPartRules(part: PartInput, currency: string): void {
  const errors: FieldError[] = [];
  const used = part.condition === 'used';
  if (used && !part.grade) errors.push({ path: '/body/grade', message: 'is required for used parts' });
  if (!used && part.grade) errors.push({ path: '/body/grade', message: 'only applies to used parts' });
  if (!used && part.donorVehicle) errors.push({ path: '/body/donorVehicle', message: 'only applies to used parts' });
  (part.fitment ?? []).forEach((f, i) => {
    if (f.yearFrom > f.yearTo) errors.push({ path: `/body/fitment/${i}/yearFrom`, message: 'must not be after yearTo' });
  });
  if (part.price.currency !== currency) errors.push({ path: '/body/price/currency', message: `must be ${currency}` });
  if (part.coreCharge && part.coreCharge.currency !== currency) errors.push({ path: '/body/coreCharge/currency', message: `must be ${currency}` });
  const seen = new Set<string>();
  part.partNumbers.forEach((p, i) => {
    const normalized = normalizePartNumber(p.number);
    if (seen.has(normalized)) errors.push({ path: `/body/partNumbers/${i}/number`, message: 'is listed twice' });
    seen.add(normalized);
  });
  if (errors.length > 0) throw new Problem('validation-error', 'The request does not match the API contract.', { errors });
}
