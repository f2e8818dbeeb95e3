import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, EntryType } from '../../api/ledger';
import { TransactionForm } from '../transactions/TransactionForm';

/**
 * Step 2 of the first-run path: "Registre sua primeira despesa", the expense form itself
 * for the account just created (no extra tap to open it). Shown only right after step 1,
 * so never again once the person has an account.
 */
export function FirstExpenseStep({ account, onDone }: { account: Account; onDone: () => void }) {
  const { t } = useTranslation();
  const [type, setType] = useState<EntryType>('expense');
  return (
    <Card withBorder radius="lg" padding="lg" shadow="xs" component="section" aria-labelledby="first-run-expense">
      <Stack gap="md" maw={560} mx="auto" w="100%">
        <Stack gap={4}>
          <Text size="sm" c="dimmed" fw={600}>
            {t('onboarding.step', { step: 2, steps: 2 })}
          </Text>
          <Title order={2} fz="xl" id="first-run-expense">
            {t('onboarding.expenseTitle')}
          </Title>
          <Text c="dimmed">{t('onboarding.expenseDescription', { name: account.name })}</Text>
        </Stack>
        <TransactionForm type={type} onTypeChange={setType} accountId={account.id} onDone={onDone} />
        <Group justify="center">
          <Button variant="subtle" color="gray" onClick={onDone} h={44}>
            {t('onboarding.later')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
