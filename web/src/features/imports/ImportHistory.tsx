import { Badge, Button, Card, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTimestamp } from '../../lib/dates';
import { invalidateMoney } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { type ImportSummary, undoImport } from './api';
import { ImportProblem } from './ImportProblem';
import { IMPORTS_KEY, useImports } from './queries';

const STATUS_COLORS: Record<ImportSummary['status'], string> = {
  preview: 'gray',
  posted: 'green',
  undone: 'orange',
  expired: 'gray',
};

function UndoDialog({ target, onClose }: { target: ImportSummary | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const undo = useIdempotentMutation({
    mutationFn: (id: string, key: string) => undoImport(id, key),
    onSuccess: async () => {
      await Promise.all([invalidateMoney(queryClient), queryClient.invalidateQueries({ queryKey: IMPORTS_KEY })]);
    },
  });
  const submit = () => {
    if (!target) return;
    undo.submit(target.id, {
      onSuccess: (result) => {
        notifications.show({ message: t('imports.undone', { count: result.reversed_count }) });
        onClose();
      },
    });
  };
  return (
    <Modal opened={target !== null} onClose={onClose} title={t('imports.undoTitle')}>
      <Stack gap="md">
        <Text size="sm">{t('imports.undoText')}</Text>
        <ImportProblem error={undo.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('imports.cancel')}
          </Button>
          <Button color="red" onClick={submit} loading={undo.isPending} data-autofocus data-writes>
            {t('imports.undoConfirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Past imports, newest first, each with its counts and, once posted, an undo. */
export function ImportHistory() {
  const { t } = useTranslation();
  const imports = useImports();
  const [target, setTarget] = useState<ImportSummary | null>(null);
  const items = imports.data?.items ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="imports-history">
      <Title order={2} fz="lg" id="imports-history">
        {t('imports.historyTitle')}
      </Title>
      {imports.isSuccess && items.length === 0 && <Text c="dimmed">{t('imports.historyEmpty')}</Text>}
      {items.map((item) => {
        const file = item.file_name ?? t('imports.noFileName');
        return (
          <Card key={item.id} withBorder padding="sm" data-testid="import-history-item">
            <Group justify="space-between" wrap="wrap" gap="xs">
              <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
                <Text fw={600} style={{ wordBreak: 'break-word' }}>
                  {t('imports.historyLine', { date: formatTimestamp(item.created_at), file })}
                </Text>
                <Text size="sm" c="dimmed">
                  {t('imports.historyCounts', { posted: item.posted_count, duplicates: item.duplicate_count })}
                </Text>
              </Stack>
              <Group gap="xs">
                <Badge color={STATUS_COLORS[item.status]} variant="light">
                  {t(`imports.status.${item.status}`)}
                </Badge>
                {item.status === 'posted' && (
                  <Button variant="default" size="sm" onClick={() => setTarget(item)} aria-label={t('imports.undoFor', { file })}>
                    {t('imports.undo')}
                  </Button>
                )}
              </Group>
            </Group>
          </Card>
        );
      })}
      <UndoDialog target={target} onClose={() => setTarget(null)} />
    </Stack>
  );
}
