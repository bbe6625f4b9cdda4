// The dashboard's number formatting: prices from 0.00000123 to 100,000 stay readable and exact
// to the digits shown; changes carry a sign; volumes are compact.
import { describe, expect, it } from 'vitest';
import { ago, decimalsFor, percent, price, volume } from '../web/src/lib/format.js';

describe('dashboard number formatting', () => {
  it('formats prices across eleven orders of magnitude', () => {
    expect(price(0.00000123)).toBe('0.00000123');
    expect(price(0.000001234567)).toBe('0.000001235');
    expect(price(0.001512)).toBe('0.001512');
    expect(price('0.0015126')).toBe('0.001513');
    expect(price(0.5)).toBe('0.5');
    expect(price(1)).toBe('1.00');
    expect(price(43.2156)).toBe('43.2156');
    expect(price(999.99999)).toBe('1,000.00');
    expect(price(100_000)).toBe('100,000.00');
    expect(price(-2.5)).toBe('-2.50');
    expect(price(0)).toBe('0');
    for (const empty of [null, undefined, '', 'n/a', Number.NaN]) expect(price(empty as never)).toBe('—');
  });

  it('signs changes, compacts volumes and sizes chart decimals', () => {
    expect(percent(6.9712)).toBe('+6.97 %');
    expect(percent(-0.5)).toBe('−0.50 %');
    expect(percent(0)).toBe('0.00 %');
    expect(volume(6170.4)).toBe('6.17K');
    expect(volume(4_230_000)).toBe('4.23M');
    expect(volume(12.5)).toBe('12.5');
    expect(decimalsFor(0.001512)).toBe(6);
    expect(decimalsFor(0.00000123)).toBe(9);
    expect(decimalsFor(43.2)).toBe(4);
    expect(decimalsFor(64_000)).toBe(2);
    expect(ago(1_000_000 - 90_000, 1_000_000)).toBe('2 min ago');
    expect(ago(1_000_000 + 7_200_000, 1_000_000)).toBe('in 2 h');
  });
});
