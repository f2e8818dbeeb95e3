import { Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { mappedFieldErrorsFrom } from '../../i18n/problems';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount, validateText } from '../ledger/validation';
import { CHARGE_DESCRIPTION_LENGTH_MAX, createCharge, type PixChargeWithQr } from './api';
import { PIX_KEYS } from './queries';

const FIELDS_BY_API_NAME = { amount_cents: 'amount', description: 'description' } as const;

/** The amount and description of a new charge. Mounted fresh per account (one Idempotency-Key per opening). */
export function ChargeForm({ accountId, onCreated }: { accountId: string; onCreated: (charge: PixChargeWithQr) => void }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { amount: '', description: '' },
    validate: {
      amount: (value) => validateAmount(value, { optional: true }),
      description: (value) => validateText(value, { lengthMax: CHARGE_DESCRIPTION_LENGTH_MAX, required: false }),
    },
  });
  const mutation = useIdempotentMutation({
    mutationFn: createCharge,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: PIX_KEYS.charges }),
  });

  const submit = form.onSubmit((values) => {
    const cents = amountCents(values.amount);
    const description = values.description.trim();
    mutation.submit(
      { account_id: accountId, ...(cents > 0 ? { amount_cents: cents } : {}), ...(description ? { description } : {}) },
      {
        onSuccess: onCreated,
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, FIELDS_BY_API_NAME)),
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <MoneyInput
          {...form.getInputProps('amount')}
          error={errorText(form.errors.amount)}
          label={t('pix.receive.amount')}
          description={t('pix.receive.amountHint')}
        />
        <TextInput
          {...form.getInputProps('description')}
          error={errorText(form.errors.description)}
          label={t('pix.receive.description')}
          placeholder={t('pix.receive.descriptionPlaceholder')}
          description={t('pix.receive.descriptionHint')}
          maxLength={CHARGE_DESCRIPTION_LENGTH_MAX}
        />
        <ProblemAlert error={mutation.error} />
        <Button type="submit" loading={mutation.isPending} fullWidth>
          {t('pix.receive.submit')}
        </Button>
      </Stack>
    </form>
  );
}
