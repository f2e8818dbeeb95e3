import { SegmentedControl, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage, isLanguage } from '../i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  // Read through i18n so the control follows changes made elsewhere (another tab's reload).
  const value = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : currentLanguage();
  return (
    <SegmentedControl
      aria-label={t('language.label')}
      size="xs"
      radius="xl"
      value={value}
      onChange={(next) => {
        if (isLanguage(next)) void changeLanguage(next);
      }}
      data={[
        {
          value: 'pt-BR',
          label: (
            <>
              <span>{t('language.pt')}</span> <VisuallyHidden lang="pt-BR">{t('language.ptFull')}</VisuallyHidden>
            </>
          ),
        },
        {
          value: 'en',
          label: (
            <>
              <span>{t('language.en')}</span> <VisuallyHidden lang="en">{t('language.enFull')}</VisuallyHidden>
            </>
          ),
        },
      ]}
    />
  );
}
