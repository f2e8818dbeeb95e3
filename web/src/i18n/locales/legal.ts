import type { Messages } from './pt-BR';

// The legal screens' strings, in their own file so the catalogue's sections can grow apart.
// pt-BR is the source; en.ts checks the English one against it (the Messages type), and the
// Widen type there makes each document's sections and paragraphs match one for one.
//
// The two documents below are versioned by the dates in src/modules/privacy/consents.ts:
// changing what they say means a new date there, and everyone is asked to accept again.
export const legalPtBR = {
  title: 'Política de privacidade',
  footer: {
    label: 'Informações legais',
    privacy: 'Privacidade',
    terms: 'Termos',
  },
  page: {
    version: 'Versão de {{date}}',
    contents: 'Nesta página',
    newTab: '(abre em nova aba)',
  },
  registration: {
    before: 'Ao criar sua conta, você concorda com os ',
    terms: 'Termos de uso',
    middle: ' e a ',
    privacy: 'Política de privacidade',
    after: '.',
  },
  dialog: {
    title: 'Atualizamos nossos documentos',
    intro: 'Para continuar usando o Vai de Pix, leia e aceite a versão atual de:',
    termsLink: 'Termos de uso (versão de {{date}})',
    privacyLink: 'Política de privacidade (versão de {{date}})',
    accept: 'Aceito',
    signOut: 'Sair',
  },
  history: {
    title: 'Termos e privacidade aceitos',
    description: 'Cada versão dos documentos que você aceitou, e quando.',
    empty: 'Nenhum aceite registrado ainda.',
    terms: 'Termos de uso',
    privacy: 'Política de privacidade',
    version: 'versão de {{date}}',
    acceptedAt: 'aceita em {{date}}',
    pending: 'Há uma versão nova aguardando seu aceite: {{documents}}.',
  },
  privacy: {
    title: 'Política de privacidade',
    lead: 'Como seus dados são tratados nesta instalação do Vai de Pix, por quem, por quanto tempo, e como você exerce seus direitos pela Lei Geral de Proteção de Dados (LGPD, Lei 13.709/2018).',
    sections: [
      {
        id: 'controlador',
        heading: 'Quem cuida dos seus dados',
        paragraphs: [
          'O Vai de Pix é um programa que qualquer pessoa ou organização pode instalar no próprio servidor. Quem mantém esta instalação (o operador: a pessoa, família, empresa ou associação que lhe deu este endereço) é o controlador dos seus dados, nos termos da LGPD: é quem decide guardá-los aqui e responde por eles.',
          'Os autores do programa não recebem, não veem e não guardam nenhum dado desta instalação. Dúvidas e pedidos sobre seus dados vão para o operador; boa parte deles você mesmo resolve no app, como explicado abaixo.',
        ],
      },
      {
        id: 'dados',
        heading: 'Quais dados guardamos',
        paragraphs: [
          'Dados da conta: nome, e-mail, idioma preferido e a sua senha, guardada apenas como resumo criptográfico (argon2id), nunca como texto.',
          'Registros financeiros: contas, lançamentos, transferências, categorias, metas, orçamentos, lançamentos recorrentes, extratos importados e as notificações geradas a partir deles.',
          'Pix: as chaves Pix que você cadastra (que podem ser CPF, CNPJ, telefone ou e-mail) e as cobranças que você gera.',
          'Registros de acesso: data e hora de entrada e de uso das suas sessões e o endereço IP de onde o acesso partiu.',
          'Registro de aceites: a versão destes documentos e dos Termos de uso que você aceitou, com data e hora.',
        ],
      },
      {
        id: 'bases-legais',
        heading: 'Por que guardamos (bases legais)',
        paragraphs: [
          'Dados da conta, registros financeiros e chaves Pix: para executar o serviço que você pediu ao criar a conta, isto é, organizar suas finanças (LGPD, art. 7º, V: execução de contrato).',
          'Registros de acesso: porque a lei obriga. O Marco Civil da Internet (Lei 12.965/2014, art. 15) manda todo provedor de aplicação guardar esses registros por 6 meses (LGPD, art. 7º, II: cumprimento de obrigação legal).',
          'Registro de aceites: para poder demonstrar o que você aceitou e quando (LGPD, art. 8º, § 2º).',
          'E-mails de resumo e alertas: só quando você os liga nas preferências de notificação, e você pode desligá-los a qualquer momento (consentimento, art. 7º, I).',
        ],
      },
      {
        id: 'prazos',
        heading: 'Por quanto tempo',
        paragraphs: [
          'Seus dados ficam guardados enquanto sua conta existir. Quando você exclui a conta, seus dados pessoais são apagados ou anonimizados e todas as suas sessões são encerradas.',
          'Depois da exclusão, só permanecem os lançamentos contábeis em forma anônima (valores e datas, sem seu nome, e-mail, descrições ou chaves), porque a contabilidade da instalação precisa continuar fechando. Ninguém consegue ligá-los de volta a você.',
          'Os registros de acesso são guardados por 6 meses, como exige o Marco Civil da Internet, e depois apagados automaticamente.',
          'Cópias de segurança (backups) feitas pelo operador podem conter seus dados até serem substituídas, conforme a rotina de backup da instalação.',
        ],
      },
      {
        id: 'compartilhamento',
        heading: 'Com quem compartilhamos',
        paragraphs: [
          'Com ninguém. Seus dados não são vendidos, não são usados para publicidade e não são enviados a terceiros.',
          'A única exceção é o servidor de e-mail que o operador configurar: ele recebe seu endereço e o conteúdo dos e-mails que o app lhe envia (confirmações, alertas e resumos que você pediu). Se o operador ligar o relatório de erros, detalhes técnicos de uma falha (sem senhas nem tokens) vão para o serviço escolhido por ele.',
        ],
      },
      {
        id: 'direitos',
        heading: 'Seus direitos e como exercê-los no app',
        paragraphs: [
          'A LGPD (art. 18) garante a você os direitos abaixo. Quase todos você exerce sozinho, sem precisar pedir a ninguém:',
          'Confirmação e acesso: em "Meus dados" (/meus-dados), baixe tudo o que existe sobre você, a qualquer momento.',
          'Correção: em "Meu cadastro" (/perfil), altere nome, e-mail (com a senha) e idioma; lançamentos, contas e metas se corrigem nas próprias telas.',
          'Anonimização, bloqueio ou eliminação de dados desnecessários, e eliminação dos dados: em "Meus dados", exclua sua conta; o que resta depois disso está descrito em "Por quanto tempo".',
          'Portabilidade: a exportação de "Meus dados" sai em formatos abertos (JSON, ou uma planilha CSV por tabela num arquivo ZIP), que outros programas leem.',
          'Informação sobre compartilhamento: está na seção "Com quem compartilhamos".',
          'Revogação do consentimento: desligue os e-mails nas preferências de notificação; o histórico do que você aceitou está em "Meus dados"; e você pode excluir a conta quando quiser.',
          'Se algo não puder ser resolvido no app, fale com o operador desta instalação. Você também pode reclamar à Autoridade Nacional de Proteção de Dados (ANPD).',
        ],
      },
      {
        id: 'seguranca',
        heading: 'Segurança',
        paragraphs: [
          'Senhas são guardadas com argon2id; sessões usam códigos aleatórios guardados apenas como resumo, em cookies que scripts do navegador não leem, e expiram sozinhas.',
          'Os dados de cada pessoa ficam isolados: nenhuma consulta devolve dados de outra conta. Tentativas de senha são limitadas, e o app não grava senhas, tokens nem e-mails nos registros técnicos.',
          'O operador responde pelo resto: manter o servidor atualizado, usar HTTPS e fazer cópias de segurança.',
        ],
      },
      {
        id: 'cookies',
        heading: 'Cookies',
        paragraphs: [
          'O app usa só dois cookies, ambos necessários: o da sua sessão e um que reconhece este navegador para os limites de tentativas de entrada. Não há cookies de rastreamento nem de publicidade. O idioma e o tema escolhidos ficam no próprio navegador.',
        ],
      },
      {
        id: 'mudancas',
        heading: 'Mudanças nesta política',
        paragraphs: [
          'Quando esta política mudar, a data da versão muda e o app pedirá seu aceite na próxima vez que você entrar. As versões que você aceitou ficam em "Meus dados".',
        ],
      },
    ],
  },
  terms: {
    title: 'Termos de uso',
    lead: 'As regras para usar esta instalação do Vai de Pix: o que o programa faz, o que o operador e você fazem, e o que o programa não faz.',
    sections: [
      {
        id: 'o-que-e',
        heading: 'O que é o Vai de Pix',
        paragraphs: [
          'O Vai de Pix é um programa de finanças pessoais que uma pessoa ou organização (o operador) instala no próprio servidor e oferece a quem ela quiser. Ao criar sua conta, você aceita estes termos e a Política de privacidade desta instalação.',
        ],
      },
      {
        id: 'licenca',
        heading: 'O programa como ele é',
        paragraphs: [
          'O programa é distribuído sob a licença que acompanha o seu código-fonte e é fornecido no estado em que se encontra, sem garantia de que não tenha falhas ou de que sirva a um fim específico, na medida em que a lei permite.',
          'Os autores do programa não operam esta instalação e não respondem por ela. Confira sempre seus saldos com os extratos do seu banco.',
        ],
      },
      {
        id: 'operador',
        heading: 'O que cabe ao operador',
        paragraphs: [
          'O operador é o controlador dos seus dados e responde por esta instalação: manter o servidor e o programa atualizados, protegidos e com HTTPS; fazer cópias de segurança; configurar com cuidado o servidor de e-mail; e atender pedidos sobre seus dados que o app não resolva sozinho.',
          'O operador pode encerrar a instalação. Se isso acontecer, ele deve avisar com antecedência para que você exporte seus dados em "Meus dados".',
        ],
      },
      {
        id: 'voce',
        heading: 'O que cabe a você',
        paragraphs: [
          'Guardar sua senha, não compartilhar sua conta e sair dos aparelhos que não são seus. Informar dados verdadeiros e usar o app de acordo com a lei.',
          'Cadastrar dados de outras pessoas (como a chave Pix de alguém) só quando você tiver motivo legítimo para isso.',
        ],
      },
      {
        id: 'sem-conselho',
        heading: 'Não é aconselhamento financeiro',
        paragraphs: [
          'Análises, orçamentos, metas e projeções são cálculos sobre os dados que você informou. Eles ajudam a organizar, mas não são recomendação de investimento, crédito ou qualquer outro conselho financeiro.',
        ],
      },
      {
        id: 'pix',
        heading: 'Pix: o app não movimenta dinheiro',
        paragraphs: [
          'Os códigos Pix (QR Code e "copia e cola") são gerados no próprio servidor, a partir dos dados que você informa. O app não se conecta ao seu banco e não faz nem recebe pagamentos: o pagamento acontece no app do banco de quem paga. Registrar um Pix como pago só anota o lançamento.',
          'Extratos importados são lidos no servidor desta instalação e não são enviados a mais ninguém.',
        ],
      },
      {
        id: 'encerramento',
        heading: 'Encerrar sua conta',
        paragraphs: [
          'Você pode exportar seus dados e excluir sua conta quando quiser, em "Meus dados". O que acontece com os dados está na Política de privacidade.',
        ],
      },
      {
        id: 'mudancas-termos',
        heading: 'Mudanças nestes termos',
        paragraphs: [
          'Quando estes termos mudarem, a data da versão muda e o app pedirá seu aceite na próxima vez que você entrar. Se não concordar, você pode sair, exportar seus dados e excluir sua conta.',
        ],
      },
      {
        id: 'lei',
        heading: 'Lei aplicável',
        paragraphs: [
          'Estes termos seguem as leis da República Federativa do Brasil. Nada neles limita os direitos que a lei garante a você, inclusive como consumidor.',
        ],
      },
    ],
  },
} as const;

/** The English must match the Portuguese section for section, paragraph for paragraph. */
export const legalEn: Messages['legal'] = {
  title: 'Privacy policy',
  footer: {
    label: 'Legal information',
    privacy: 'Privacy',
    terms: 'Terms',
  },
  page: {
    version: 'Version of {{date}}',
    contents: 'On this page',
    newTab: '(opens in a new tab)',
  },
  registration: {
    before: 'By creating your account you agree to the ',
    terms: 'Terms of use',
    middle: ' and the ',
    privacy: 'Privacy policy',
    after: '.',
  },
  dialog: {
    title: 'We have updated our documents',
    intro: 'To keep using Vai de Pix, please read and accept the current version of:',
    termsLink: 'Terms of use (version of {{date}})',
    privacyLink: 'Privacy policy (version of {{date}})',
    accept: 'I accept',
    signOut: 'Sign out',
  },
  history: {
    title: 'Terms and privacy accepted',
    description: 'Each version of the documents you accepted, and when.',
    empty: 'No acceptance recorded yet.',
    terms: 'Terms of use',
    privacy: 'Privacy policy',
    version: 'version of {{date}}',
    acceptedAt: 'accepted on {{date}}',
    pending: 'A new version is waiting for your acceptance: {{documents}}.',
  },
  privacy: {
    title: 'Privacy policy',
    lead: "How your data is handled on this installation of Vai de Pix, by whom, for how long, and how to exercise your rights under Brazil's General Data Protection Law (LGPD, Law 13,709/2018).",
    sections: [
      {
        id: 'controlador',
        heading: 'Who looks after your data',
        paragraphs: [
          'Vai de Pix is a program that any person or organisation can install on their own server. Whoever runs this installation (the operator: the person, family, company or association that gave you this address) is the controller of your data under the LGPD: they decide to keep it here and answer for it.',
          "The program's authors do not receive, see or keep any data from this installation. Questions and requests about your data go to the operator; you can settle most of them yourself in the app, as explained below.",
        ],
      },
      {
        id: 'dados',
        heading: 'What we keep',
        paragraphs: [
          'Account data: name, e-mail, preferred language and your password, kept only as a cryptographic digest (argon2id), never as text.',
          'Financial records: accounts, transactions, transfers, categories, goals, budgets, recurring transactions, imported statements and the notifications made from them.',
          'Pix: the Pix keys you register (which may be a CPF, CNPJ, phone number or e-mail) and the charges you create.',
          'Access records: the date and time your sessions started and were used, and the IP address they came from.',
          'Acceptance log: the version of this policy and of the Terms of use you accepted, with date and time.',
        ],
      },
      {
        id: 'bases-legais',
        heading: 'Why we keep it (legal bases)',
        paragraphs: [
          'Account data, financial records and Pix keys: to provide the service you asked for when you created the account, that is, organising your finances (LGPD, art. 7, V: performance of a contract).',
          'Access records: because the law requires it. The Brazilian Internet Civil Framework (Marco Civil da Internet, Law 12,965/2014, art. 15) requires every application provider to keep them for 6 months (LGPD, art. 7, II: legal obligation).',
          'Acceptance log: to be able to show what you accepted and when (LGPD, art. 8, § 2).',
          'Summary and alert e-mails: only when you turn them on in the notification preferences, and you can turn them off at any time (consent, art. 7, I).',
        ],
      },
      {
        id: 'prazos',
        heading: 'For how long',
        paragraphs: [
          'Your data is kept while your account exists. When you delete the account, your personal data is erased or anonymised and all your sessions are ended.',
          "After deletion, only the bookkeeping entries remain, in anonymous form (amounts and dates, without your name, e-mail, descriptions or keys), because the installation's books must still balance. Nobody can link them back to you.",
          'Access records are kept for 6 months, as the Marco Civil da Internet requires, and then erased automatically.',
          "Backups made by the operator may hold your data until they are replaced, following the installation's backup routine.",
        ],
      },
      {
        id: 'compartilhamento',
        heading: 'Who we share it with',
        paragraphs: [
          'Nobody. Your data is not sold, not used for advertising and not sent to third parties.',
          'The one exception is the e-mail server the operator configures: it receives your address and the content of the e-mails the app sends you (confirmations, and the alerts and summaries you asked for). If the operator turns on error reporting, technical details of a failure (without passwords or tokens) go to the service they chose.',
        ],
      },
      {
        id: 'direitos',
        heading: 'Your rights and how to exercise them in the app',
        paragraphs: [
          'The LGPD (art. 18) gives you the rights below. You can exercise almost all of them yourself, without asking anyone:',
          'Confirmation and access: in "My data" (/meus-dados), download everything there is about you, at any time.',
          'Correction: in "My profile" (/perfil), change your name, e-mail (with your password) and language; transactions, accounts and goals are corrected on their own screens.',
          'Anonymisation, blocking or erasure of unnecessary data, and erasure of your data: in "My data", delete your account; what remains afterwards is described under "For how long".',
          'Portability: the export in "My data" comes in open formats (JSON, or one CSV spreadsheet per table in a ZIP file) that other programs can read.',
          'Information about sharing: see "Who we share it with".',
          'Revoking consent: turn off e-mails in the notification preferences; the history of what you accepted is in "My data"; and you can delete the account whenever you like.',
          'If something cannot be settled in the app, contact the operator of this installation. You may also complain to the National Data Protection Authority (ANPD).',
        ],
      },
      {
        id: 'seguranca',
        heading: 'Security',
        paragraphs: [
          'Passwords are stored with argon2id; sessions use random codes kept only as a digest, in cookies that browser scripts cannot read, and they expire on their own.',
          "Each person's data is isolated: no query returns another account's data. Password attempts are limited, and the app writes no passwords, tokens or e-mails to its technical logs.",
          'The operator answers for the rest: keeping the server up to date, using HTTPS and making backups.',
        ],
      },
      {
        id: 'cookies',
        heading: 'Cookies',
        paragraphs: [
          'The app uses only two cookies, both necessary: your session, and one that recognises this browser for the sign-in attempt limits. There are no tracking or advertising cookies. The language and theme you choose are kept in the browser itself.',
        ],
      },
      {
        id: 'mudancas',
        heading: 'Changes to this policy',
        paragraphs: [
          'When this policy changes, its version date changes and the app will ask for your acceptance the next time you sign in. The versions you accepted are listed in "My data".',
        ],
      },
    ],
  },
  terms: {
    title: 'Terms of use',
    lead: 'The rules for using this installation of Vai de Pix: what the program does, what the operator and you do, and what the program does not do.',
    sections: [
      {
        id: 'o-que-e',
        heading: 'What Vai de Pix is',
        paragraphs: [
          'Vai de Pix is a personal-finance program that a person or organisation (the operator) installs on their own server and offers to whomever they choose. By creating your account you accept these terms and the Privacy policy of this installation.',
        ],
      },
      {
        id: 'licenca',
        heading: 'The program as it is',
        paragraphs: [
          'The program is distributed under the licence that comes with its source code and is provided as is, without any warranty that it is free of faults or fit for a particular purpose, to the extent the law allows.',
          "The program's authors do not run this installation and are not responsible for it. Always check your balances against your bank's statements.",
        ],
      },
      {
        id: 'operador',
        heading: "The operator's part",
        paragraphs: [
          'The operator is the controller of your data and answers for this installation: keeping the server and the program up to date, protected and on HTTPS; making backups; configuring the e-mail server with care; and handling requests about your data that the app does not settle by itself.',
          'The operator may shut the installation down. If that happens, they should warn you in advance so that you can export your data in "My data".',
        ],
      },
      {
        id: 'voce',
        heading: 'Your part',
        paragraphs: [
          'Keep your password safe, do not share your account, and sign out of devices that are not yours. Give truthful information and use the app lawfully.',
          "Register other people's data (such as someone's Pix key) only when you have a legitimate reason to.",
        ],
      },
      {
        id: 'sem-conselho',
        heading: 'Not financial advice',
        paragraphs: [
          'Insights, budgets, goals and projections are calculations on the data you entered. They help you get organised, but they are not investment, credit or any other financial advice.',
        ],
      },
      {
        id: 'pix',
        heading: 'Pix: the app moves no money',
        paragraphs: [
          'Pix codes (QR code and "copy and paste") are generated on the server itself from the details you enter. The app does not connect to your bank and neither makes nor receives payments: the payment happens in the payer\'s banking app. Recording a Pix as paid only writes down the transaction.',
          'Imported statements are read on the server of this installation and are not sent to anyone else.',
        ],
      },
      {
        id: 'encerramento',
        heading: 'Closing your account',
        paragraphs: [
          'You can export your data and delete your account whenever you like, in "My data". What happens to the data is described in the Privacy policy.',
        ],
      },
      {
        id: 'mudancas-termos',
        heading: 'Changes to these terms',
        paragraphs: [
          'When these terms change, their version date changes and the app will ask for your acceptance the next time you sign in. If you do not agree, you can sign out, export your data and delete your account.',
        ],
      },
      {
        id: 'lei',
        heading: 'Governing law',
        paragraphs: [
          'These terms are governed by the laws of the Federative Republic of Brazil. Nothing in them limits the rights the law gives you, including as a consumer.',
        ],
      },
    ],
  },
};
