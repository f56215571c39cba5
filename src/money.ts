/**
 * Money as the API carries it: an integer amount in the currency's minor units and an ISO 4217
 * code (`{amount: 12550, currency: 'MAD'}` is 125.50 MAD). Amounts stay safe integers from end to
 * end: arithmetic that would leave them is refused, never rounded, and rates are applied with
 * integer arithmetic (BigInt), so no float ever touches an amount.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

function checkedAmount(amount: number | bigint): number {
  const value = typeof amount === 'bigint' ? amount : Number.isInteger(amount) ? BigInt(amount) : null;
  if (value === null) throw new MoneyError(`An amount is an integer of minor units, not ${amount}`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MoneyError(`The amount ${value} is beyond 2^53 - 1 minor units`);
  }
  return Number(value);
}

export function money(amount: number | bigint, currency: string): Money {
  if (!CURRENCY.test(currency)) throw new MoneyError(`${JSON.stringify(currency)} is not an ISO 4217 currency code`);
  return Object.freeze({ amount: checkedAmount(amount), currency });
}

function sameCurrency(a: Money, b: Money): string {
  if (a.currency !== b.currency) throw new MoneyError(`Cannot combine ${a.currency} and ${b.currency}`);
  return a.currency;
}

export const add = (a: Money, b: Money): Money => money(BigInt(a.amount) + BigInt(b.amount), sameCurrency(a, b));
export const subtract = (a: Money, b: Money): Money => money(BigInt(a.amount) - BigInt(b.amount), sameCurrency(a, b));
export const negate = (a: Money): Money => money(-a.amount, a.currency);
export const zero = (currency: string): Money => money(0, currency);

/** The sum of amounts of one currency; `zero(currency)` for none. */
export const sum = (amounts: readonly Money[], currency: string): Money => amounts.reduce(add, zero(currency));

/** -1, 0 or 1, as `a` is less than, equal to or more than `b` (same currency only). */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** A rate as an exact fraction, from its decimal text ("0.10", "0.075", "1"). */
export interface Rate {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const DECIMAL = /^(\d{1,6})(?:\.(\d{1,9}))?$/;

/** A non-negative decimal rate written as text (a config value, a stored snapshot): never a float. */
export function rate(decimal: string): Rate {
  const match = DECIMAL.exec(decimal);
  if (!match) throw new MoneyError(`${JSON.stringify(decimal)} is not a decimal rate such as 0.10`);
  const fraction = match[2] ?? '';
  return { numerator: BigInt(`${match[1]}${fraction}`), denominator: 10n ** BigInt(fraction.length) };
}

/** `numerator / denominator` rounded to the nearest integer, halves to the even neighbour. */
function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let quotient = n / denominator;
  const twiceRemainder = (n % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/**
 * Splits `amount` by `share`: `part` is the amount times the rate, rounded to the minor unit half
 * to even (banker's rounding: over many sales, halves round up as often as down, so neither side
 * gains a systematic cent); `rest` is what remains. `part + rest` is always exactly `amount`.
 * For a commission of 10 % on 125.55 MAD: part 12.56 (12.555 rounds to the even 12.56), rest 112.99.
 */
export function splitByRate(amount: Money, share: Rate): { part: Money; rest: Money } {
  const part = money(divideHalfEven(BigInt(amount.amount) * share.numerator, share.denominator), amount.currency);
  return { part, rest: subtract(amount, part) };
}

/**
 * Splits `amount` in proportion to `weights` (non-negative integers, not all zero), exactly: each
 * share is rounded down and the minor units left over go one each to the largest remainders (ties
 * to the earliest). For refunding part of an order across its lines, or fees across sellers.
 */
export function allocate(amount: Money, weights: readonly number[]): Money[] {
  const ws = weights.map((w) => {
    if (!Number.isSafeInteger(w) || w < 0) throw new MoneyError(`A weight is a non-negative integer, not ${w}`);
    return BigInt(w);
  });
  const total = ws.reduce((a, b) => a + b, 0n);
  if (total === 0n) throw new MoneyError('Cannot allocate by weights that are all zero');
  const whole = BigInt(amount.amount);
  const sign = whole < 0n ? -1n : 1n;
  const magnitude = whole * sign;
  const shares = ws.map((w) => (magnitude * w) / total);
  let left = magnitude - shares.reduce((a, b) => a + b, 0n);
  const byRemainder = ws.map((w, i) => ({ i, remainder: (magnitude * w) % total })).sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left === 0n) break;
    shares[i] = (shares[i] as bigint) + 1n;
    left -= 1n;
  }
  return shares.map((share) => money(share * sign, amount.currency));
}
