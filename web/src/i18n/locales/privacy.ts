// The privacy screens' strings, in their own file so the catalogue's sections can grow apart.
// pt-BR is the source; en.ts checks the English one against it (the Messages type).
export const privacyPtBR = {
  title: 'Meus dados',
} as const;

export const privacyEn = {
  title: 'My data',
};
