import { LegalDocumentPage } from './LegalDocumentPage';

/** /privacidade: the privacy policy of this installation, for anyone, signed in or not. */
export function PrivacyPolicyPage() {
  return <LegalDocumentPage document="privacy" />;
}
