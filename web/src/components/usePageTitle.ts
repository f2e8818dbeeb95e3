import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';

/** Sets `document.title` to "<page> · Vai de Pix" in the current language. */
export function usePageTitle(page: string): void {
  const { t } = useTranslation();
  useDocumentTitle(t('app.documentTitle', { page }));
}
