import { LegalDocumentPage } from './LegalDocumentPage';

/** /termos: the terms of use of this installation, for anyone, signed in or not. */
export function TermsPage() {
  return <LegalDocumentPage document="terms" />;
}
