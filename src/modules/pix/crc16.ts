/**
 * CRC-16/CCITT-FALSE, the checksum of a Pix BR Code (field 63): polynomial 0x1021,
 * initial value 0xFFFF, input and output not reflected, no final XOR.
 */
const CRC_POLYNOMIAL = 0x1021;
const CRC_INITIAL = 0xffff;
const CRC_HEX_DIGITS = 4;

const encoder = new TextEncoder();

export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = CRC_INITIAL;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ CRC_POLYNOMIAL) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The CRC of a text's UTF-8 bytes as the BR Code writes it: four upper-case hex digits, zero-padded. */
export function crc16Hex(text: string): string {
  return crc16CcittFalse(encoder.encode(text)).toString(16).toUpperCase().padStart(CRC_HEX_DIGITS, '0');
}
