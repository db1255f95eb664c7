import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 code from the CSPRNG; randomInt is unbiased (rejection sampling inside). */
export function generateShortCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) {
    code += BASE62.charAt(randomInt(62));
  }
  return code;
}
