import { Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { MERCHANT_CITY_LENGTH_MAX, PIX_KEY_LENGTH_MAX, type PixKey, putPixKey, validatePixKey } from './api';
import { PIX_KEYS } from './queries';

interface PixKeyFormProps {
  accountId: string;
  current: PixKey | undefined;
  onDone: () => void;
}

/**
 * Registers the key an account receives on. The key is checked first (with the server's
 * validator) so a typo is explained precisely — "os dígitos verificadores não conferem" —
 * before anything is saved.
 */
export function PixKeyForm({ accountId, current, onDone }: PixKeyFormProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm({ initialValues: { key: current?.key ?? '', city: current?.merchant_city ?? '' } });

  const save = useMutation({
    mutationFn: async (values: { key: string; city: string }) => {
      const checked = await validatePixKey(values.key.trim());
      if (!checked.valid || checked.normalized === null || checked.type === null) return { checked, saved: null };
      const saved = await putPixKey(accountId, {
        key: checked.normalized,
        type: checked.type,
        ...(values.city.trim() ? { merchant_city: values.city.trim() } : {}),
      });
      return { checked, saved };
    },
    onSuccess: async ({ checked, saved }) => {
      if (!saved) {
        form.setFieldError('key', t(`pix.keyReasons.${checked.reason ?? 'unrecognized'}`));
        return;
      }
      await queryClient.invalidateQueries({ queryKey: PIX_KEYS.keys });
      notifications.show({ color: 'brand', message: t('pix.keyForm.done', { type: t(`pix.keyTypes.${saved.type}`) }) });
      onDone();
    },
    onError: (error) => {
      const fields = mappedFieldErrorsFrom(error, { merchant_city: 'city', key: 'key' } as const);
      if (fields.city) form.setFieldError('city', t('pix.keyForm.cityHint'));
      if (fields.key) form.setFieldError('key', t('pix.keyReasons.invalid_format'));
    },
  });

  return (
    <form
      onSubmit={form.onSubmit((values) => {
        if (!values.key.trim()) {
          form.setFieldError('key', t('pix.keyReasons.empty'));
          return;
        }
        save.mutate(values);
      })}
      noValidate
    >
      <Stack gap="sm">
        <div>
          <Title order={2} fz="lg">
            {t('pix.keyForm.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('pix.keyForm.text')}
          </Text>
        </div>
        <TextInput
          {...form.getInputProps('key')}
          label={t('pix.keyForm.key')}
          placeholder={t('pix.keyForm.keyPlaceholder')}
          maxLength={PIX_KEY_LENGTH_MAX}
          autoComplete="off"
          data-autofocus
        />
        <TextInput
          {...form.getInputProps('city')}
          label={t('pix.keyForm.city')}
          description={t('pix.keyForm.cityHint')}
          maxLength={MERCHANT_CITY_LENGTH_MAX + 10}
          autoComplete="address-level2"
        />
        <ProblemAlert error={save.error} />
        <Group gap="xs">
          <Button type="submit" loading={save.isPending}>
            {t('pix.keyForm.submit')}
          </Button>
          {current ? (
            <Button variant="subtle" onClick={onDone}>
              {t('pix.keyForm.cancel')}
            </Button>
          ) : null}
        </Group>
      </Stack>
    </form>
  );
}
