import { Badge, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/problem';
import { Money } from '../../components/Money';
import { MoneyInput } from '../../components/MoneyInput';
import { ProblemAlert } from '../../components/ProblemAlert';
import { showUndoToast } from '../../components/UndoToast';
import { formatBrl } from '../../lib/money';
import { invalidateMoney } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { amountCents, useFormErrorText, validateAmount } from '../ledger/validation';
import { type PixChargeWithQr, receiveCharge, undoChargeReceipt } from './api';
import { copyText } from './copy';
import { PIX_KEYS } from './queries';

const QR_SIZE_PX = 240;
const COPIED_FEEDBACK_MS = 2_500;

/**
 * The server draws the QR as SVG. It is shown as an image (a data: URL), never inserted
 * into the page's markup, so nothing in it can run as script or restyle the page.
 */
function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** A charge ready to be paid: amount, QR code, the Pix Copia e Cola with a copy button, and "Já recebi". */
export function ChargeResult({ charge, onNew }: { charge: PixChargeWithQr; onNew: () => void }) {
  const { t } = useTranslation();
  const field = useRef<HTMLTextAreaElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');

  const onCopy = async () => {
    const copied = await copyText(charge.payload, field.current);
    setCopy(copied ? 'copied' : 'failed');
    if (copied) window.setTimeout(() => setCopy('idle'), COPIED_FEEDBACK_MS);
  };

  return (
    <Stack gap="md" align="stretch" data-testid="pix-charge">
      <Stack gap={4} align="center">
        {charge.amount_cents === null ? (
          <Text c="dimmed">{t('pix.receive.openAmount')}</Text>
        ) : (
          <Money cents={charge.amount_cents} fz={28} fw={800} data-testid="pix-charge-amount" />
        )}
        {charge.description ? <Text>{charge.description}</Text> : null}
      </Stack>
      <Group justify="center">
        <img
          src={svgDataUrl(charge.qr_svg)}
          alt={t('pix.receive.qrAlt')}
          width={QR_SIZE_PX}
          height={QR_SIZE_PX}
          style={{ maxWidth: '100%', height: 'auto', imageRendering: 'pixelated' }}
        />
      </Group>
      <Textarea
        ref={field}
        label={t('pix.receive.copyPaste')}
        value={charge.payload}
        readOnly
        autosize
        minRows={3}
        styles={{ input: { fontFamily: 'monospace', fontSize: 13, wordBreak: 'break-all' } }}
        onFocus={(event) => event.currentTarget.select()}
      />
      <Button onClick={onCopy} variant={copy === 'copied' ? 'light' : 'filled'} fullWidth>
        {copy === 'copied' ? t('pix.receive.copied') : t('pix.receive.copy')}
      </Button>
      {copy === 'failed' ? (
        <Text size="sm" c="red.7" role="alert">
          {t('pix.receive.copyFailed')}
        </Text>
      ) : null}
      <Text size="sm" c="dimmed" ta="center">
        {t('pix.receive.txid', { txid: charge.txid })}
      </Text>
      <ReceiveAction key={charge.id} charge={charge} />
      <Button variant="subtle" onClick={onNew}>
        {t('pix.receive.newCharge')}
      </Button>
    </Stack>
  );
}

/** "Já recebi": posts the charge's income once; a charge without an amount asks for it. */
function ReceiveAction({ charge }: { charge: PixChargeWithQr }) {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const [received, setReceived] = useState(charge.status === 'received');
  const form = useForm({
    initialValues: { amount: '' },
    validate: { amount: (value) => (charge.amount_cents === null ? validateAmount(value) : null) },
  });
  const refresh = () =>
    Promise.all([invalidateMoney(queryClient), queryClient.invalidateQueries({ queryKey: PIX_KEYS.charges })]).then(
      () => undefined,
    );
  const mutation = useIdempotentMutation({ mutationFn: receiveCharge, onSuccess: refresh });

  if (received) {
    return (
      <Group justify="center">
        <Badge color="teal" size="lg" variant="light">
          {t('pix.receive.receivedBadge')}
        </Badge>
      </Group>
    );
  }
  const submit = form.onSubmit((values) => {
    const body = charge.amount_cents === null ? { amount_cents: amountCents(values.amount) } : {};
    mutation.submit(
      { id: charge.id, body },
      {
        onSuccess: (result) => {
          setReceived(true);
          showUndoToast({
            message: t('pix.receive.receivedDone', { amount: formatBrl(result.transaction.amount_cents) }),
            doneMessage: t('pix.receive.receivedUndone'),
            undo: async (key) => {
              await undoChargeReceipt(charge.id, key);
              setReceived(false);
              await refresh();
            },
          });
        },
        onError: (error) => {
          if (isApiError(error) && error.code === 'charge_already_received') setReceived(true);
        },
      },
    );
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        {charge.amount_cents === null ? (
          <MoneyInput
            {...form.getInputProps('amount')}
            error={errorText(form.errors.amount)}
            label={t('pix.receive.receivedAmount')}
          />
        ) : null}
        <ProblemAlert error={mutation.error} />
        <Button type="submit" variant="light" color="teal" loading={mutation.isPending}>
          {t('pix.receive.markReceived')}
        </Button>
      </Stack>
    </form>
  );
}
