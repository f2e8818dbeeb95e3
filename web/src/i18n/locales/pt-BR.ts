// Brazilian Portuguese is the source language: every other locale must have the same keys
// (the `Messages` type below makes the compiler check that).
export const ptBR = {
  app: {
    name: 'Vai de Pix',
    tagline: 'Suas finanças, do seu jeito, no seu servidor.',
    documentTitle: '{{page}} · Vai de Pix',
    loading: 'Carregando…',
  },
  language: {
    label: 'Idioma',
    pt: 'PT',
    en: 'EN',
    // Each language is named in itself, so a person can find theirs whatever is shown.
    ptFull: 'Português',
    enFull: 'English',
  },
  nav: {
    label: 'Navegação principal',
    dashboard: 'Painel',
    open: 'Abrir menu de navegação',
    close: 'Fechar menu de navegação',
  },
  userMenu: {
    label: 'Menu da conta',
    signedInAs: 'Conectado como',
    logout: 'Sair',
    loggedOut: 'Você saiu da sua conta.',
  },
  auth: {
    fields: {
      name: 'Nome',
      namePlaceholder: 'Como você quer ser chamado',
      email: 'E-mail',
      emailPlaceholder: 'voce@exemplo.com.br',
      password: 'Senha',
      passwordHint: 'Use pelo menos {{min}} caracteres.',
      showPassword: 'Mostrar senha',
      hidePassword: 'Ocultar senha',
    },
    login: {
      pageTitle: 'Entrar',
      title: 'Bem-vindo de volta',
      subtitle: 'Entre para acompanhar suas contas e seus gastos.',
      submit: 'Entrar',
      noAccount: 'Ainda não tem conta?',
      toRegister: 'Criar conta',
    },
    register: {
      pageTitle: 'Criar conta',
      title: 'Crie sua conta',
      subtitle: 'Leva menos de um minuto. Seus dados ficam no seu servidor.',
      submit: 'Criar conta',
      haveAccount: 'Já tem conta?',
      toLogin: 'Entrar',
      welcome: 'Conta criada. Que bom ter você aqui!',
    },
    validation: {
      required: 'Preencha este campo.',
      nameRequired: 'Informe seu nome.',
      emailInvalid: 'Informe um e-mail válido.',
      passwordTooShort: 'A senha precisa ter pelo menos {{min}} caracteres.',
      tooLong: 'Texto longo demais.',
      invalid: 'Confira este campo.',
    },
  },
  errors: {
    invalid_credentials: 'E-mail ou senha incorretos.',
    email_taken: 'Este e-mail já está cadastrado.',
    rate_limited: 'Muitas tentativas. Tente de novo em instantes.',
    validation_failed: 'Confira os campos destacados.',
    unauthenticated: 'Sua sessão terminou. Entre de novo.',
    network_error: 'Não conseguimos falar com o servidor. Verifique sua conexão e tente de novo.',
    generic: 'Algo deu errado. Tente de novo em instantes.',
    title: 'Não foi possível concluir',
    loadFailedTitle: 'Não foi possível carregar',
    retry: 'Tentar de novo',
  },
  dashboard: {
    pageTitle: 'Painel',
    greeting: 'Olá, {{name}}!',
    today: 'Hoje é {{date}}.',
    emptyTitle: 'Você ainda não tem contas',
    emptyDescription:
      'Em breve você vai cadastrar aqui sua conta corrente, poupança, cartão de crédito e dinheiro em espécie, e lançar receitas, despesas e transferências. Saldos e gastos do mês vão aparecer neste painel.',
    comingSoon: 'Em breve',
  },
  notFound: {
    pageTitle: 'Página não encontrada',
    code: '404',
    title: 'Página não encontrada',
    description: 'O endereço que você abriu não existe ou mudou de lugar.',
    home: 'Voltar ao início',
  },
} as const;

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

export type Messages = Widen<typeof ptBR>;
