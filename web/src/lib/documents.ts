/**
 * Brazilian documents and Pix keys as people write them. The server stores keys
 * normalised (digits, or "+55…" for a phone); screens show them formatted. Pure
 * functions; anything that does not have the expected shape is returned unchanged.
 */

export type PixKeyKind = 'cpf' | 'cnpj' | 'email' | 'phone' | 'evp';

const CPF_SHAPE = /^(\d{3})(\d{3})(\d{3})(\d{2})$/;
// A CNPJ has 12 letters or digits (letters since the 2026 alphanumeric CNPJ) and two check digits.
const CNPJ_SHAPE = /^([0-9A-Z]{2})([0-9A-Z]{3})([0-9A-Z]{3})([0-9A-Z]{4})(\d{2})$/;
// A Brazilian number in E.164: +55, a two-digit area code, then 8 (landline) or 9 (mobile) digits.
const PHONE_SHAPE = /^\+55(\d{2})(\d{4,5})(\d{4})$/;

/** "52998224725" → "529.982.247-25". */
export function formatCpf(digits: string): string {
  const match = CPF_SHAPE.exec(digits);
  return match ? `${match[1]}.${match[2]}.${match[3]}-${match[4]}` : digits;
}

/** "12345678000195" → "12.345.678/0001-95"; "12ABC34501DE99" → "12.ABC.345/01DE-99". */
export function formatCnpj(characters: string): string {
  const match = CNPJ_SHAPE.exec(characters);
  return match ? `${match[1]}.${match[2]}.${match[3]}/${match[4]}-${match[5]}` : characters;
}

/** "+5511912345678" → "+55 (11) 91234-5678"; a landline "+551132345678" → "+55 (11) 3234-5678". */
export function formatPhone(e164: string): string {
  const match = PHONE_SHAPE.exec(e164);
  return match ? `+55 (${match[1]}) ${match[2]}-${match[3]}` : e164;
}

/** A CPF or CNPJ by its length, as a payee's document may come without its kind. */
export function formatDocument(text: string): string {
  if (CPF_SHAPE.test(text)) return formatCpf(text);
  return formatCnpj(text);
}

/** A Pix key as screens show it, by its kind (e-mail and random keys as stored). */
export function formatPixKey(key: string, kind: PixKeyKind | null | undefined): string {
  switch (kind) {
    case 'cpf':
      return formatCpf(key);
    case 'cnpj':
      return formatCnpj(key);
    case 'phone':
      return formatPhone(key);
    default:
      return key;
  }
}
