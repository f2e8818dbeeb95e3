import { SegmentedControl, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe } from '../features/auth/session';
import { useUpdateProfile } from '../features/profile/queries';
import { changeLanguage, currentLanguage, isLanguage, type Language } from '../i18n';

/**
 * Switches the language at once; when someone is signed in, also saves it on their profile
 * (last choice wins, no row_version), so it follows them to their other devices.
 */
function useSwitchLanguage(): (language: Language) => void {
  const me = useMe();
  const save = useUpdateProfile();
  return (language) => {
    void changeLanguage(language);
    if (me.data) save.mutate({ language });
  };
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const switchLanguage = useSwitchLanguage();
  // Read through i18n so the control follows changes made elsewhere (another tab's reload).
  const value = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : currentLanguage();
  return (
    <SegmentedControl
      aria-label={t('language.label')}
      size="xs"
      radius="xl"
      value={value}
      onChange={(next) => {
        if (isLanguage(next)) switchLanguage(next);
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
