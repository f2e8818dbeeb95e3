import { Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { fieldErrorsFrom } from '../../i18n/problems';
import { AuthLayout } from './AuthLayout';
import { FormError } from './FormError';
import { REGISTER_PATH } from './guards';
import { PasswordField } from './PasswordField';
import { type LoginInput, useLogin } from './session';
import { useFieldErrorText } from './useFieldErrorText';
import { validateEmail, validateLoginPassword } from './validation';

const LOGIN_FIELDS = ['email', 'password'] as const;

export function LoginPage() {
  const { t } = useTranslation();
  const errorText = useFieldErrorText();
  const login = useLogin();
  const form = useForm<LoginInput>({
    initialValues: { email: '', password: '' },
    validate: { email: validateEmail, password: validateLoginPassword },
  });

  // On success the ['me'] query is filled and the GuestOnly route moves on to the app.
  const submit = form.onSubmit((values) => {
    login.mutate(
      { email: values.email.trim(), password: values.password },
      { onError: (error) => form.setErrors(fieldErrorsFrom(error, LOGIN_FIELDS)) },
    );
  });

  return (
    <AuthLayout
      pageTitle={t('auth.login.pageTitle')}
      title={t('auth.login.title')}
      subtitle={t('auth.login.subtitle')}
      footer={
        <>
          {t('auth.login.noAccount')}{' '}
          <Anchor component={Link} to={REGISTER_PATH} fw={600}>
            {t('auth.login.toRegister')}
          </Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <FormError error={login.error} />
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
            autoComplete="current-password"
            required
            withAsterisk={false}
          />
          <Button type="submit" fullWidth loading={login.isPending} mt="xs">
            {t('auth.login.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
