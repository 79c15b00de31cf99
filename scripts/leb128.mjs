// LEB128, the variable-length integers of the wasm binary format (scripts/short-imports.mjs,
// scripts/wasm-breakdown.mjs).

/** Reads an unsigned LEB128 from `bytes` at `at`: `[value, next]`. */
export function readU32(bytes, at) {
  let result = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[at++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return [result >>> 0, at];
}

/** The unsigned LEB128 encoding of `n`. */
export function encodeU32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
