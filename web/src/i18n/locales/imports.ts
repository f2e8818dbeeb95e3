// The imports screens' strings, in their own file so the catalogue's sections can grow apart.
// pt-BR is the source; en.ts checks the English one against it (the Messages type).
export const importsPtBR = {
  title: 'Importar extrato',
} as const;

export const importsEn = {
  title: 'Import a statement',
};
