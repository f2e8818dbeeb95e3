import { Anchor, Button, Stack, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PRIVACY_POLICY_PATH, TERMS_PATH } from '../../app/paths';
import { fieldErrorsFrom } from '../../i18n/problems';
import { SHOWN_VERSIONS } from '../legal/consents';
import { AuthLayout } from './AuthLayout';
import { FormError } from './FormError';
import { LOGIN_PATH } from './guards';
import { PasswordField } from './PasswordField';
import { type RegisterInput, useRegister } from './session';
import { useFieldErrorText } from './useFieldErrorText';
import { PASSWORD_LENGTH_MIN, validateEmail, validateName, validateNewPassword } from './validation';

const REGISTER_FIELDS = ['name', 'email', 'password'] as const;

export function RegisterPage() {
  const { t } = useTranslation();
  const errorText = useFieldErrorText();
  const register = useRegister({
    onRegistered: () => notifications.show({ color: 'brand', message: t('auth.register.welcome') }),
  });
  const form = useForm<RegisterInput>({
    initialValues: { name: '', email: '', password: '' },
    validate: { name: validateName, email: validateEmail, password: validateNewPassword },
    validateInputOnBlur: ['password'],
  });

  // On success the ['me'] query is filled and the GuestOnly route moves on to the app.
  const submit = form.onSubmit((values) => {
    register.mutate(
      {
        name: values.name.trim(),
        email: values.email.trim(),
        password: values.password,
        accepted_terms_version: SHOWN_VERSIONS.terms,
        accepted_privacy_version: SHOWN_VERSIONS.privacy,
      },
      { onError: (error) => form.setErrors(fieldErrorsFrom(error, REGISTER_FIELDS)) },
    );
  });

  return (
    <AuthLayout
      pageTitle={t('auth.register.pageTitle')}
      title={t('auth.register.title')}
      subtitle={t('auth.register.subtitle')}
      footer={
        <>
          {t('auth.register.haveAccount')}{' '}
          <Anchor component={Link} to={LOGIN_PATH} fw={600}>
            {t('auth.register.toLogin')}
          </Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <FormError error={register.error} />
          <TextInput
            {...form.getInputProps('name')}
            error={errorText(form.errors.name)}
            label={t('auth.fields.name')}
            placeholder={t('auth.fields.namePlaceholder')}
            autoComplete="name"
            required
            withAsterisk={false}
          />
          <TextInput
            {...form.getInputProps('email')}
            error={errorText(form.errors.email)}
            label={t('auth.fields.email')}
            placeholder={t('auth.fields.emailPlaceholder')}
            type="email"
            autoComplete="email"
            inputMode="email"
            required
            withAsterisk={false}
          />
          <PasswordField
            {...form.getInputProps('password')}
            error={errorText(form.errors.password)}
            label={t('auth.fields.password')}
            description={t('auth.fields.passwordHint', { min: PASSWORD_LENGTH_MIN })}
            autoComplete="new-password"
            minLength={PASSWORD_LENGTH_MIN}
            required
            withAsterisk={false}
          />
          <Button type="submit" fullWidth loading={register.isPending} mt="xs">
            {t('auth.register.submit')}
          </Button>
          <RegistrationConsentNotice />
        </Stack>
      </form>
    </AuthLayout>
  );
}

/**
 * What creating the account means, with both documents a tap away. They open in a new tab,
 * so what was typed in the form is still there when the person comes back.
 */
function RegistrationConsentNotice() {
  const { t } = useTranslation();
  const newTab = <VisuallyHidden> {t('legal.page.newTab')}</VisuallyHidden>;
  return (
    <Text size="sm" c="dimmed" ta="center">
      {t('legal.registration.before')}
      <Anchor component={Link} to={TERMS_PATH} target="_blank" rel="noopener" inherit>
        {t('legal.registration.terms')}
        {newTab}
      </Anchor>
      {t('legal.registration.middle')}
      <Anchor component={Link} to={PRIVACY_POLICY_PATH} target="_blank" rel="noopener" inherit>
        {t('legal.registration.privacy')}
        {newTab}
      </Anchor>
      {t('legal.registration.after')}
    </Text>
  );
}
