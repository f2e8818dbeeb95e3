// The privacy screens' strings, in their own file so the catalogue's sections can grow apart.
// pt-BR is the source; en.ts checks the English one against it (the Messages type).
export const privacyPtBR = {
  title: 'Meus dados',
  profileLink: {
    title: 'Meus dados',
    text: 'Baixe uma cópia de tudo o que você guardou aqui ou exclua sua conta.',
    open: 'Abrir Meus dados',
  },
  export: {
    title: 'Baixar meus dados',
    text: 'Uma cópia de tudo o que está guardado sobre você: cadastro, contas, lançamentos, metas, orçamentos, recorrências, notificações, chaves e cobranças Pix e os acessos registrados.',
    zip: 'Baixar planilhas (ZIP de CSV)',
    json: 'Baixar em JSON',
    hint: 'As planilhas abrem no Excel, LibreOffice ou Google Planilhas. O arquivo de lançamentos pode ser importado de volta em outra conta.',
  },
  delete: {
    title: 'Excluir minha conta',
    text: 'Apaga seus dados pessoais e encerra todas as suas sessões. Não tem volta.',
    open: 'Excluir minha conta…',
    modalTitle: 'Excluir sua conta?',
    erasedIntro: 'Serão apagados:',
    erased: {
      profile: 'seu nome, e-mail e preferências;',
      texts: 'descrições, observações e nomes de contas, categorias e metas, além de orçamentos e recorrências;',
      pix: 'suas chaves Pix (CPF, telefone, e-mail) e cobranças;',
      sessions: 'todas as sessões, em todos os aparelhos.',
    },
    keptIntro: 'Ficam guardados, sem nada que identifique você:',
    kept: {
      ledger: 'os valores e datas dos lançamentos, para que a contabilidade continue fechando;',
      accessLog: 'o registro de acessos (data, hora e IP) por 6 meses, como exige o Marco Civil da Internet.',
    },
    irreversible: 'Baixe seus dados antes, se quiser uma cópia. Depois disso ninguém consegue entrar nesta conta.',
    password: 'Sua senha atual',
    confirm: 'Excluir definitivamente',
    doneTitle: 'Conta excluída',
    done: 'Seus dados pessoais foram apagados e você saiu de todos os aparelhos. Seu e-mail pode criar uma conta nova quando quiser.',
  },
} as const;

export const privacyEn = {
  title: 'My data',
  profileLink: {
    title: 'My data',
    text: 'Download a copy of everything you keep here, or delete your account.',
    open: 'Open My data',
  },
  export: {
    title: 'Download my data',
    text: 'A copy of everything stored about you: profile, accounts, transactions, goals, budgets, recurring rules, notifications, Pix keys and charges, and the recorded sign-ins.',
    zip: 'Download spreadsheets (ZIP of CSV)',
    json: 'Download as JSON',
    hint: 'The spreadsheets open in Excel, LibreOffice or Google Sheets. The transactions file can be imported back into another account.',
  },
  delete: {
    title: 'Delete my account',
    text: 'Erases your personal data and ends all your sessions. There is no undo.',
    open: 'Delete my account…',
    modalTitle: 'Delete your account?',
    erasedIntro: 'Erased:',
    erased: {
      profile: 'your name, e-mail and preferences;',
      texts: 'descriptions, notes and names of accounts, categories and goals, and your budgets and recurring rules;',
      pix: 'your Pix keys (CPF, phone, e-mail) and charges;',
      sessions: 'every session, on every device.',
    },
    keptIntro: 'Kept, with nothing that identifies you:',
    kept: {
      ledger: 'the amounts and dates of your transactions, so the books still balance;',
      accessLog: 'the sign-in record (date, time and IP) for 6 months, as Brazil’s Marco Civil da Internet requires.',
    },
    irreversible: 'Download your data first if you want a copy. After this nobody can sign in to this account.',
    password: 'Your current password',
    confirm: 'Delete for good',
    doneTitle: 'Account deleted',
    done: 'Your personal data was erased and you were signed out everywhere. Your e-mail can open a new account whenever you like.',
  },
};
