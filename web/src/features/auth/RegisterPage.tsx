import { Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { fieldErrorsFrom } from '../../i18n/problems';
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
      { name: values.name.trim(), email: values.email.trim(), password: values.password },
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
        </Stack>
      </form>
    </AuthLayout>
  );
}
