import type { EmailLanguage } from './email-render.js';
import type { NotificationKind } from './notify.js';

const PAGE_WORDS = {
  'pt-BR': {
    kinds: {
      budget_alert: 'alertas de orçamento',
      weekly_summary: 'resumos semanais',
      recurring_failed: 'avisos de recorrências não lançadas',
    },
    title: 'Cancelar e-mails',
    ask: (kind: string) => `Parar de receber ${kind} por e-mail?`,
    button: 'Cancelar estes e-mails',
    done: (kind: string) => `Pronto: você não receberá mais ${kind} por e-mail.`,
    settings: 'Você pode mudar isso quando quiser no seu perfil.',
    profile: 'Abrir meu perfil',
  },
  en: {
    kinds: {
      budget_alert: 'budget alerts',
      weekly_summary: 'weekly summaries',
      recurring_failed: 'notices of recurring items not posted',
    },
    title: 'Unsubscribe',
    ask: (kind: string) => `Stop receiving ${kind} by e-mail?`,
    button: 'Unsubscribe from these e-mails',
    done: (kind: string) => `Done: you will no longer receive ${kind} by e-mail.`,
    settings: 'You can change this at any time on your profile.',
    profile: 'Open my profile',
  },
} as const;

/** Where the page's profile link goes: the web app's profile screen. */
const PROFILE_PATH = '/perfil';

function page(language: EmailLanguage, title: string, body: string): string {
  return [
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title></head>`,
    '<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5">',
    body,
    '</body></html>',
  ].join('\n');
}

/**
 * The page a link in an e-mail opens: it asks before it acts, because mail scanners open
 * links by themselves; the button posts the same signed token (RFC 8058's POST).
 */
export function confirmationPage(options: { language: EmailLanguage; kind: NotificationKind; token: string }): string {
  const words = PAGE_WORDS[options.language];
  const kind = words.kinds[options.kind];
  // The token is base64url, a uuid and a kind: nothing in it needs escaping in an attribute.
  return page(
    options.language,
    words.title,
    [
      `<h1>${words.title}</h1>`,
      `<p>${words.ask(kind)}</p>`,
      `<form method="post" action="?token=${encodeURIComponent(options.token)}">`,
      '<input type="hidden" name="List-Unsubscribe" value="One-Click">',
      `<button type="submit" style="min-height:44px;padding:0 1rem;font-size:1rem">${words.button}</button>`,
      '</form>',
    ].join('\n'),
  );
}

export function unsubscribedPage(options: { language: EmailLanguage; kind: NotificationKind }): string {
  const words = PAGE_WORDS[options.language];
  return page(
    options.language,
    words.title,
    [
      `<h1>${words.title}</h1>`,
      `<p>${words.done(words.kinds[options.kind])}</p>`,
      `<p>${words.settings} <a href="${PROFILE_PATH}">${words.profile}</a></p>`,
    ].join('\n'),
  );
}
