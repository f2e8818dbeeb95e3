import { Badge, Button, Card, Center, Group, Loader, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { formatPixKey } from '../../lib/documents';
import { activeAccounts, useAccounts } from '../ledger/queries';
import type { PixChargeWithQr, PixKey } from './api';
import { ChargeForm } from './ChargeForm';
import { ChargeResult } from './ChargeResult';
import { PixKeyForm } from './PixKeyForm';
import { usePixKeys, useRecentCharges } from './queries';

/** "Receber via Pix": pick the account, register its key once, then make a QR code for an amount. */
export function PixReceivePage() {
  const { t } = useTranslation();
  usePageTitle(t('pix.receive.pageTitle'));
  const accountsQuery = useAccounts();
  const keys = usePixKeys();
  const accounts = activeAccounts(accountsQuery.data);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [editingKey, setEditingKey] = useState(false);
  const [charge, setCharge] = useState<PixChargeWithQr | null>(null);
  const accountId = chosenId ?? accounts[0]?.id ?? null;
  const pixKey = keys.data?.items.find((item) => item.account_id === accountId);

  const choose = (id: string | null) => {
    setChosenId(id);
    setEditingKey(false);
    setCharge(null);
  };

  let body: ReactNode;
  if (accountsQuery.isPending || keys.isPending) {
    body = (
      <Center py="xl">
        <Loader aria-label={t('app.loading')} />
      </Center>
    );
  } else if (accountsQuery.isError || keys.isError) {
    body = <ProblemAlert error={accountsQuery.error ?? keys.error} />;
  } else if (accountId === null) {
    body = <Text c="dimmed">{t('pix.receive.noAccounts')}</Text>;
  } else {
    body = (
      <Stack gap="md">
        <Select
          label={t('pix.receive.account')}
          data={accounts.map((account) => ({ value: account.id, label: account.name }))}
          value={accountId}
          onChange={choose}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        {!pixKey || editingKey ? (
          <PixKeyForm key={accountId} accountId={accountId} current={pixKey} onDone={() => setEditingKey(false)} />
        ) : (
          <>
            <KeyLine pixKey={pixKey} onChange={() => setEditingKey(true)} />
            {charge ? (
              <ChargeResult charge={charge} onNew={() => setCharge(null)} />
            ) : (
              <ChargeForm key={accountId} accountId={accountId} onCreated={setCharge} />
            )}
          </>
        )}
      </Stack>
    );
  }

  return (
    <Stack gap="lg" maw={560} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('pix.receive.title')}
      </Title>
      <Card withBorder radius="lg" padding="lg">
        {body}
      </Card>
      {pixKey && accountId && !editingKey ? <RecentCharges accountId={accountId} onShow={setCharge} /> : null}
    </Stack>
  );
}

function KeyLine({ pixKey, onChange }: { pixKey: PixKey; onChange: () => void }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" gap="xs">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {t('pix.receive.keyLabel')} ({t(`pix.keyTypes.${pixKey.type}`)}): <strong>{formatPixKey(pixKey.key, pixKey.type)}</strong>
      </Text>
      <Button variant="subtle" size="compact-sm" onClick={onChange}>
        {t('pix.receive.changeKey')}
      </Button>
    </Group>
  );
}

/** The account's latest charges: whether each was received, and its QR again on demand. */
function RecentCharges({ accountId, onShow }: { accountId: string; onShow: (charge: PixChargeWithQr) => void }) {
  const { t } = useTranslation();
  const charges = useRecentCharges(accountId);
  const open = useMutation({
    mutationFn: (id: string) => unwrap(api.GET('/api/pix/charges/{id}', { params: { path: { id } } })),
    onSuccess: (charge) => {
      onShow(charge);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    },
  });
  const items = charges.data?.items ?? [];
  return (
    <Card withBorder radius="lg" padding="lg" component="section" aria-label={t('pix.receive.recentTitle')}>
      <Stack gap="sm">
        <Title order={2} fz="lg">
          {t('pix.receive.recentTitle')}
        </Title>
        {charges.isSuccess && items.length === 0 ? <Text c="dimmed">{t('pix.receive.recentEmpty')}</Text> : null}
        <ProblemAlert error={charges.error ?? open.error} />
        {items.map((item) => (
          <Group key={item.id} justify="space-between" gap="xs">
            <Stack gap={0} style={{ minWidth: 0 }}>
              {item.amount_cents === null ? (
                <Text size="sm">{t('pix.receive.openAmount')}</Text>
              ) : (
                <Money cents={item.amount_cents} />
              )}
              <Text size="xs" c="dimmed" truncate>
                {item.description ?? item.txid}
              </Text>
            </Stack>
            <Group gap="xs" wrap="nowrap">
              <Badge color={item.status === 'received' ? 'teal' : 'gray'} variant="light">
                {item.status === 'received' ? t('pix.receive.receivedBadge') : t('pix.receive.pendingBadge')}
              </Badge>
              <Button
                size="compact-sm"
                variant="subtle"
                onClick={() => open.mutate(item.id)}
                loading={open.isPending && open.variables === item.id}
              >
                {t('pix.receive.show')}
              </Button>
            </Group>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
