// The legal screens' strings, in their own file so the catalogue's sections can grow apart.
// pt-BR is the source; en.ts checks the English one against it (the Messages type).
export const legalPtBR = {
  title: 'Política de privacidade',
} as const;

export const legalEn = {
  title: 'Privacy policy',
};
