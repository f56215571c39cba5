import fc from 'fast-check';
import { add, allocate, compare, money, MoneyError, rate, splitByRate, subtract, sum } from '../src/money';

const MAX = Number.MAX_SAFE_INTEGER;
const amount = (max = 10 ** 11) => fc.integer({ min: -max, max });
const mad = (n: number) => money(n, 'MAD');

describe('Money', () => {
  it('is an integer of minor units and an ISO 4217 code, and nothing else', () => {
    expect(mad(12550)).toEqual({ amount: 12550, currency: 'MAD' });
    expect(() => mad(125.5)).toThrow(MoneyError);
    expect(() => mad(Number.NaN)).toThrow(MoneyError);
    expect(() => money(1, 'mad')).toThrow(MoneyError);
    expect(() => money(2n ** 53n, 'MAD')).toThrow(/beyond 2\^53/);
  });

  it('refuses to add across currencies or past 2^53, instead of rounding', () => {
    expect(() => add(mad(1), money(1, 'EUR'))).toThrow(/MAD and EUR/);
    expect(() => add(mad(MAX), mad(1))).toThrow(/beyond 2\^53/);
    expect(() => compare(mad(1), money(1, 'EUR'))).toThrow(MoneyError);
  });

  it('adds and subtracts exactly, in any order', () => {
    fc.assert(
      fc.property(fc.array(amount(), { maxLength: 20 }), (amounts) => {
        const forwards = sum(amounts.map(mad), 'MAD');
        const backwards = sum([...amounts].reverse().map(mad), 'MAD');
        expect(forwards).toEqual(backwards);
        expect(forwards.amount).toBe(amounts.reduce((a, b) => a + b, 0));
        for (const a of amounts) expect(subtract(add(forwards, mad(a)), mad(a))).toEqual(forwards);
      }),
    );
  });

  it('compares consistently with the amounts', () => {
    fc.assert(fc.property(amount(), amount(), (a, b) => expect(compare(mad(a), mad(b))).toBe(Math.sign(a - b) as -1 | 0 | 1)));
  });
});

describe('rates', () => {
  it('are read from decimal text, exactly', () => {
    expect(rate('0.10')).toEqual({ numerator: 10n, denominator: 100n });
    expect(rate('1')).toEqual({ numerator: 1n, denominator: 1n });
    for (const bad of ['-0.1', '0,10', '.5', '1e-1', '0.1234567891', '']) expect(() => rate(bad)).toThrow(MoneyError);
  });

  it('split an amount into a part and a rest that always add up to it, the part rounded half to even', () => {
    expect(splitByRate(mad(12555), rate('0.10'))).toEqual({ part: mad(1256), rest: mad(11299) });
    expect(splitByRate(mad(12545), rate('0.10'))).toEqual({ part: mad(1254), rest: mad(11291) });
    expect(splitByRate(mad(-12555), rate('0.10')).part).toEqual(mad(-1256));
    fc.assert(
      fc.property(amount(), fc.integer({ min: 0, max: 100_000 }), (a, basisPoints) => {
        const r = rate((basisPoints / 10_000).toFixed(4));
        const { part, rest } = splitByRate(mad(a), r);
        expect(part.amount + rest.amount).toBe(a);
        // Within half a minor unit of the exact product.
        const exact = (BigInt(a) * r.numerator * 2n) - BigInt(part.amount) * r.denominator * 2n;
        expect(exact <= r.denominator && exact >= -r.denominator).toBe(true);
      }),
    );
  });
});

describe('allocate', () => {
  it('splits exactly in proportion, the leftover units to the largest remainders', () => {
    expect(allocate(mad(100), [1, 1, 1])).toEqual([mad(34), mad(33), mad(33)]);
    expect(allocate(mad(-100), [1, 1, 1])).toEqual([mad(-34), mad(-33), mad(-33)]);
    expect(allocate(mad(5), [0, 3, 1])).toEqual([mad(0), mad(4), mad(1)]);
    expect(() => allocate(mad(5), [0, 0])).toThrow(MoneyError);
    fc.assert(
      fc.property(amount(), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }).filter((ws) => ws.some((w) => w > 0)), (a, weights) => {
        const shares = allocate(mad(a), weights);
        expect(shares.reduce((s, m) => s + m.amount, 0)).toBe(a);
        const total = weights.reduce((x, y) => x + y, 0);
        shares.forEach((share, i) => {
          // No share is more than one unit away from its exact proportion; a zero weight gets nothing.
          expect(Math.abs(share.amount - (a * (weights[i] as number)) / total)).toBeLessThan(1);
          if (weights[i] === 0) expect(share.amount).toBe(0);
        });
      }),
    );
  });
});
