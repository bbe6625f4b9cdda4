// Converting source numbers to exact decimal strings. A JS number is printed
// in its shortest round-trip form, which is the value the venue sent (0.00141342
// stays 0.00141342); exponent notation is expanded because Postgres numeric
// input accepts it but humans and CSV diffs read plain digits better.

export function toDecimalString(value: unknown, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${field} is not a finite number: ${value}`);
    return expandExponent(String(value));
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`${field} is not a number: ${JSON.stringify(value)}`);
    return expandExponent(s);
  }
  if (typeof value === 'bigint') return value.toString();
  throw new Error(`${field} is missing or not a number: ${JSON.stringify(value)}`);
}

export function toOptionalDecimal(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  return toDecimalString(value, field);
}

function expandExponent(s: string): string {
  const m = /^([-+]?)(\d*)\.?(\d*)[eE]([-+]?\d+)$/.exec(s);
  if (!m) return s.startsWith('+') ? s.slice(1) : s;
  const [, sign, intPart, fracPart, expStr] = m;
  const exp = Number(expStr);
  let digits = intPart + fracPart;
  let point = intPart.length + exp;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  let out = digits.slice(0, point).replace(/^0+(?=\d)/, '') + (point < digits.length ? '.' + digits.slice(point) : '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return (sign === '-' ? '-' : '') + out;
}
