import { Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ProblemAlert } from '../../components/ProblemAlert';
import { LOGIN_PATH } from '../auth/guards';
import { PasswordField } from '../auth/PasswordField';
import { useFieldErrorText } from '../auth/useFieldErrorText';
import { validateLoginPassword } from '../auth/validation';
import { useDeleteAccount } from './queries';

/** Every control of the dialog is at least this tall, a comfortable tap target on a phone. */
const TAP = { minHeight: 44 } as const;
const PASSWORD_STYLES = { input: TAP, innerInput: TAP, visibilityToggle: { minWidth: 44, ...TAP } } as const;
const PASSWORD_TOGGLE_WIDTH_PX = 48;

/**
 * Asks for the password again, says what goes and what stays (docs/DATA-RETENTION.md), then
 * deletes the account and sends the person to the sign-in page with a message that stays.
 */
export function DeleteAccountModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const errorText = useFieldErrorText();
  const remove = useDeleteAccount();
  const form = useForm({ initialValues: { password: '' }, validate: { password: validateLoginPassword } });
  const close = () => {
    if (remove.isPending) return;
    form.reset();
    remove.reset();
    onClose();
  };
  const submit = form.onSubmit((values) =>
    remove.mutate(
      { password: values.password },
      {
        onSuccess: () => {
          notifications.show({
            color: 'brand',
            title: t('privacy.delete.doneTitle'),
            message: t('privacy.delete.done'),
            autoClose: false,
          });
          void navigate(LOGIN_PATH, { replace: true });
        },
      },
    ),
  );
  return (
    <Modal opened={opened} onClose={close} title={t('privacy.delete.modalTitle')} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Text size="sm">{t('privacy.delete.erasedIntro')}</Text>
          <List size="sm" spacing={4}>
            <List.Item>{t('privacy.delete.erased.profile')}</List.Item>
            <List.Item>{t('privacy.delete.erased.texts')}</List.Item>
            <List.Item>{t('privacy.delete.erased.pix')}</List.Item>
            <List.Item>{t('privacy.delete.erased.sessions')}</List.Item>
          </List>
          <Text size="sm">{t('privacy.delete.keptIntro')}</Text>
          <List size="sm" spacing={4}>
            <List.Item>{t('privacy.delete.kept.ledger')}</List.Item>
            <List.Item>{t('privacy.delete.kept.accessLog')}</List.Item>
          </List>
          <Text size="sm" fw={600}>
            {t('privacy.delete.irreversible')}
          </Text>
          <ProblemAlert error={remove.error} />
          <PasswordField
            {...form.getInputProps('password')}
            error={errorText(form.errors.password)}
            label={t('privacy.delete.password')}
            autoComplete="current-password"
            required
            withAsterisk={false}
            styles={PASSWORD_STYLES}
            rightSectionWidth={PASSWORD_TOGGLE_WIDTH_PX}
            data-autofocus
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={remove.isPending} style={TAP}>
              {t('forms.cancel')}
            </Button>
            <Button type="submit" color="red" loading={remove.isPending} style={TAP}>
              {t('privacy.delete.confirm')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
