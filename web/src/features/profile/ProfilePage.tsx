import { Alert, Button, Card, Modal, NativeSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { MY_DATA_PATH } from '../../app/paths';
import { LogoutEverywhereConfirm } from '../../app/UserMenu';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { isLanguage } from '../../i18n';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { PasswordField } from '../auth/PasswordField';
import { type CurrentUser, useMe } from '../auth/session';
import { useFieldErrorText } from '../auth/useFieldErrorText';
import { PASSWORD_LENGTH_MIN, validateEmail, validateLoginPassword, validateName, validateNewPassword } from '../auth/validation';
import { NotificationsSection } from './NotificationsSection';
import { useChangeEmail, useChangePassword, useUpdateProfile } from './queries';

/** Every control on this page is at least this tall, a comfortable tap target on a phone. */
const TAP_TARGET_PX = 44;
const TAP = { minHeight: TAP_TARGET_PX } as const;
const INPUT_STYLES = { input: TAP } as const;
/** A password input's box is a wrapper; its text field and its show/hide toggle both get the size. */
const PASSWORD_STYLES = { input: TAP, innerInput: TAP, visibilityToggle: { minWidth: TAP_TARGET_PX, ...TAP } } as const;
const PASSWORD_TOGGLE_WIDTH_PX = 48;
const FOLLOW_BROWSER = 'browser';

/** "Meu cadastro": name, language, e-mail, password, and signing out of every session. */
export function ProfilePage() {
  const { t } = useTranslation();
  usePageTitle(t('profile.pageTitle'));
  const me = useMe();
  const user = me.data;
  return (
    <Stack gap="lg" maw={640} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('profile.pageTitle')}
      </Title>
      {user ? (
        <>
          <NameSection user={user} />
          <LanguageSection user={user} />
          <EmailSection user={user} />
          <PasswordSection />
          <NotificationsSection />
          <SessionsSection />
          <MyDataLink />
        </>
      ) : null}
    </Stack>
  );
}

/** The way to "Meus dados" (export and deletion) from the profile, besides the user menu. */
function MyDataLink() {
  const { t } = useTranslation();
  return (
    <Section id="profile-my-data" title={t('privacy.profileLink.title')}>
      <Text size="sm">{t('privacy.profileLink.text')}</Text>
      <Button component={Link} to={MY_DATA_PATH} variant="light" style={TAP}>
        {t('privacy.profileLink.open')}
      </Button>
    </Section>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby={id}>
      <Stack gap="sm">
        <Title order={2} fz="lg" id={id}>
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}

function NameSection({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const errorText = useFieldErrorText();
  const update = useUpdateProfile();
  const form = useForm({ initialValues: { name: user.name }, validate: { name: validateName } });
  const submit = form.onSubmit((values) =>
    update.mutate(
      { name: values.name.trim(), row_version: user.row_version },
      {
        onSuccess: () => notifications.show({ color: 'brand', message: t('profile.details.saved') }),
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { name: 'name' })),
      },
    ),
  );
  return (
    <Section id="profile-details" title={t('profile.details.title')}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ProblemAlert
            error={update.error}
            onReloadCurrent={() => {
              // The cached person is already the server's current one (useUpdateProfile stored it).
              form.setValues({ name: user.name });
              update.reset();
            }}
          />
          <TextInput
            {...form.getInputProps('name')}
            error={errorText(form.errors.name)}
            label={t('profile.details.name')}
            autoComplete="name"
            required
            withAsterisk={false}
            styles={INPUT_STYLES}
          />
          <Button type="submit" loading={update.isPending} style={TAP}>
            {t('profile.details.save')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}

function LanguageSection({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const update = useUpdateProfile();
  const onChange = (value: string) => {
    const language = isLanguage(value) ? value : null;
    // Last choice wins, like the header's switch: no row_version.
    update.mutate(
      { language },
      { onSuccess: () => notifications.show({ color: 'brand', message: t('profile.language.saved') }) },
    );
  };
  return (
    <Section id="profile-language" title={t('profile.language.title')}>
      <ProblemAlert error={update.error} />
      <NativeSelect
        label={t('profile.language.label')}
        description={t('profile.language.description')}
        value={user.language ?? FOLLOW_BROWSER}
        onChange={(event) => onChange(event.currentTarget.value)}
        disabled={update.isPending}
        size="md"
        styles={INPUT_STYLES}
        data={[
          { value: FOLLOW_BROWSER, label: t('profile.language.followBrowser') },
          { value: 'pt-BR', label: t('language.ptFull') },
          { value: 'en', label: t('language.enFull') },
        ]}
      />
    </Section>
  );
}

const EMAIL_FIELDS = { email: 'email', password: 'password' } as const;

function EmailSection({ user }: { user: CurrentUser }) {
  const { t } = useTranslation();
  const errorText = useFieldErrorText();
  const change = useChangeEmail();
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: { email: validateEmail, password: validateLoginPassword },
  });
  const submit = form.onSubmit((values) =>
    change.mutate(
      { email: values.email.trim(), password: values.password },
      {
        onSuccess: () => {
          form.reset();
          notifications.show({ color: 'brand', message: t('profile.email.saved') });
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, EMAIL_FIELDS)),
      },
    ),
  );
  return (
    <Section id="profile-email" title={t('profile.email.title')}>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {t('profile.email.current', { email: user.email })}
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ProblemAlert error={change.error} />
          <TextInput
            {...form.getInputProps('email')}
            error={errorText(form.errors.email)}
            label={t('profile.email.newEmail')}
            type="email"
            inputMode="email"
            autoComplete="email"
            required
            withAsterisk={false}
            styles={INPUT_STYLES}
          />
          <PasswordField
            {...form.getInputProps('password')}
            error={errorText(form.errors.password)}
            label={t('profile.email.password')}
            description={t('profile.email.passwordHint')}
            autoComplete="current-password"
            required
            withAsterisk={false}
            styles={PASSWORD_STYLES}
            rightSectionWidth={PASSWORD_TOGGLE_WIDTH_PX}
          />
          <Button type="submit" loading={change.isPending} style={TAP}>
            {t('profile.email.save')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}

const PASSWORD_FIELDS = { current_password: 'current', new_password: 'next' } as const;

function PasswordSection() {
  const { t } = useTranslation();
  const errorText = useFieldErrorText();
  const change = useChangePassword();
  const form = useForm({
    initialValues: { current: '', next: '' },
    validate: { current: validateLoginPassword, next: validateNewPassword },
    validateInputOnBlur: ['next'],
  });
  const submit = form.onSubmit((values) =>
    change.mutate(
      { current_password: values.current, new_password: values.next },
      {
        onSuccess: () => form.reset(),
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, PASSWORD_FIELDS)),
      },
    ),
  );
  return (
    <Section id="profile-password" title={t('profile.password.title')}>
      {change.data ? (
        <Alert color="brand" variant="light" role="status" title={t('profile.password.changedTitle')}>
          {t('profile.password.changed', { count: change.data.other_sessions_ended })}
        </Alert>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ProblemAlert error={change.error} />
          <PasswordField
            {...form.getInputProps('current')}
            error={errorText(form.errors.current)}
            label={t('profile.password.current')}
            autoComplete="current-password"
            required
            withAsterisk={false}
            styles={PASSWORD_STYLES}
            rightSectionWidth={PASSWORD_TOGGLE_WIDTH_PX}
          />
          <PasswordField
            {...form.getInputProps('next')}
            error={errorText(form.errors.next)}
            label={t('profile.password.next')}
            description={t('auth.fields.passwordHint', { min: PASSWORD_LENGTH_MIN })}
            autoComplete="new-password"
            minLength={PASSWORD_LENGTH_MIN}
            required
            withAsterisk={false}
            styles={PASSWORD_STYLES}
            rightSectionWidth={PASSWORD_TOGGLE_WIDTH_PX}
          />
          <Button type="submit" loading={change.isPending} style={TAP}>
            {t('profile.password.save')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}

function SessionsSection() {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  return (
    <Section id="profile-sessions" title={t('profile.sessions.title')}>
      <Text size="sm">{t('profile.sessions.text')}</Text>
      <Button color="red" variant="light" onClick={() => setConfirming(true)} style={TAP}>
        {t('profile.sessions.logoutEverywhere')}
      </Button>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('userMenu.everywhereConfirm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {confirming ? <LogoutEverywhereConfirm onCancel={() => setConfirming(false)} /> : null}
      </Modal>
    </Section>
  );
}
