// Paths are in Portuguese, the product's first language; they do not change with the UI.
export const ACCOUNTS_PATH = '/contas';
export const TRANSACTIONS_PATH = '/lancamentos';
export const TRANSFER_PATH = '/transferir';
export const CATEGORIES_PATH = '/categorias';
export const PIX_RECEIVE_PATH = '/pix/receber';
export const PIX_PAID_PATH = '/pix/pago';
export const GOALS_PATH = '/metas';
export const BUDGETS_PATH = '/orcamentos';
export const RECURRING_PATH = '/recorrentes';
export const PROFILE_PATH = '/perfil';
export const INSIGHTS_PATH = '/analises';
export const OPERATIONS_PATH = '/operacao';
export const IMPORTS_PATH = '/importar';
export const MY_DATA_PATH = '/meus-dados';
// Public pages: read before signing up, linked from the footer of every screen.
export const PRIVACY_POLICY_PATH = '/privacidade';
export const TERMS_PATH = '/termos';
// A credit card's bills live under its account: /contas/<id>/fatura.
export const CARD_BILLS_SEGMENT = 'fatura';
