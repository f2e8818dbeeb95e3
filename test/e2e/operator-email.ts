/**
 * The e2e server's ADMIN_EMAILS: the person operator.spec.ts registers with it operates the
 * installation whoever registered first in the run (specs share one server and run in any order).
 */
export const E2E_OPERATOR_EMAIL = 'operacao.e2e@example.com';
