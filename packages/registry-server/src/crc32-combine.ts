/** CRC-32's polynomial (IEEE 802.3, as gzip uses it), in reflected bit order. */
const POLYNOMIAL = 0xedb88320;

/** a·b modulo the CRC polynomial, both in reflected order (the bit for x⁰ is the top bit). */
function multiplyModP(a: number, b: number): number {
  let mask = 0x80000000;
  let product = 0;
  let factor = b;
  for (;;) {
    if (a & mask) {
      product ^= factor;
      if ((a & (mask - 1)) === 0) break;
    }
    mask >>>= 1;
    factor = factor & 1 ? (factor >>> 1) ^ POLYNOMIAL : factor >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial for k = 0…31, by repeated squaring; the cycle repeats after 32. */
const X_POW_2K: number[] = [0x40000000];
for (let k = 1; k < 32; k += 1) X_POW_2K.push(multiplyModP(X_POW_2K[k - 1] as number, X_POW_2K[k - 1] as number));

/**
 * The operator that moves a CRC past `length` more bytes: x^(8·length) modulo the polynomial. Keep it with a
 * piece of data, and `crc32Combine` costs 32 steps whatever the length.
 */
export function crc32Shift(length: number): number {
  let product = 0x80000000;
  let n = length;
  for (let k = 3; n > 0; k += 1, n = Math.floor(n / 2)) {
    if (n % 2 === 1) product = multiplyModP(X_POW_2K[k % 32] as number, product);
  }
  return product;
}

/**
 * The CRC-32 of A followed by B from the CRC of A, the CRC of B and B's shift (`crc32Shift(B.length)`), as zlib's
 * `crc32_combine` does: a gzip trailer for chunks whose CRCs are kept, without reading the bytes again.
 */
export function crc32Combine(crcA: number, crcB: number, shiftB: number): number {
  return (multiplyModP(shiftB, crcA) ^ crcB) >>> 0;
}
