import { Alert, Badge, Button, Card, Checkbox, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Money } from '../../components/Money';
import { isoToDisplay } from '../../lib/dates';
import { useLedgerLabels } from '../ledger/labels';
import { invalidateMoney, useCategories } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { type ConfirmInput, confirmImport, type ImportConfirmed, type ImportLine, type ImportPreview } from './api';
import { ImportProblem } from './ImportProblem';
import { IMPORTS_KEY } from './queries';
import { RuleModal } from './RuleModal';
import { foldText } from './text';

/** Lines drawn at first and added per "show more": a 10,000-line statement stays quick on a phone. */
export const LINES_SHOWN_STEP = 50;

type Choices = Record<number, string | null>;
/** Lines of a card statement the person chose to post as ordinary movements, not as installments. */
type Ordinary = Record<number, boolean>;
interface Option {
  value: string;
  label: string;
}

/** What a card statement's installment line becomes: a purchase in installments, unless the person says otherwise. */
function PurchasePlan(props: { line: ImportLine; ordinary: boolean; onOrdinary: (ordinary: boolean) => void }) {
  const { t } = useTranslation();
  const { purchase } = props.line;
  if (purchase === null) return null;
  return (
    <Stack gap={2} mt={4}>
      {!props.ordinary && (
        <Text
          size="xs"
          c="dimmed"
          data-testid="import-purchase-plan"
          title={purchase.total_estimated ? t('imports.purchaseEstimatedHint') : undefined}
        >
          {t('imports.purchasePlan', {
            count: purchase.count,
            first: purchase.first_number,
            installments: purchase.installments,
          })}{' '}
          <Money cents={purchase.total_cents} /> {purchase.total_estimated ? t('imports.purchaseEstimated') : ''}
        </Text>
      )}
      <Checkbox
        size="xs"
        label={t('imports.asOrdinary')}
        checked={props.ordinary}
        onChange={(event) => props.onOrdinary(event.currentTarget.checked)}
      />
    </Stack>
  );
}

function LineRow(props: {
  line: ImportLine;
  options: Option[];
  choice: string | null;
  onChoose: (id: string | null) => void;
  onRule: () => void;
  ordinary: boolean;
  onOrdinary: (ordinary: boolean) => void;
}) {
  const { t } = useTranslation();
  const { line } = props;
  // An installment of a purchase the file itself plans has no id to point at yet, but posts nothing either.
  const duplicate = line.duplicate_of !== null || line.duplicate_kind === 'installment_of';
  const installmentOf = line.duplicate_kind === 'installment_of' && line.installment !== null;
  return (
    <Table.Tr data-duplicate={duplicate || undefined} style={duplicate ? { opacity: 0.7 } : undefined}>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{isoToDisplay(line.occurred_on)}</Table.Td>
      <Table.Td style={{ minWidth: 140, wordBreak: 'break-word' }}>
        {line.description}
        <PurchasePlan line={line} ordinary={props.ordinary} onOrdinary={props.onOrdinary} />
      </Table.Td>
      <Table.Td ta="right">
        <Money cents={line.amount_cents} signed colored />
      </Table.Td>
      <Table.Td style={{ minWidth: 180 }}>
        {installmentOf ? (
          <Badge variant="light" color="gray" title={t('imports.installmentOfHint')}>
            {t('imports.installmentOf', { number: line.installment?.number, count: line.installment?.count })}
          </Badge>
        ) : duplicate ? (
          <Badge variant="light" color="gray" title={t('imports.duplicateHint')}>
            {t('imports.duplicate')}
          </Badge>
        ) : (
          <Group gap="xs" wrap="nowrap">
            <NativeSelect
              aria-label={t('imports.categoryFor', { line: line.position, description: line.description })}
              data={[{ value: '', label: t('imports.noCategory') }, ...props.options]}
              value={props.choice ?? ''}
              onChange={(event) => props.onChoose(event.currentTarget.value || null)}
              style={{ flex: 1 }}
            />
            <Button
              variant="subtle"
              size="compact-sm"
              onClick={props.onRule}
              aria-label={t('imports.saveRuleFor', { line: line.position })}
            >
              {t('imports.saveRule')}
            </Button>
          </Group>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function useCategoryOptions() {
  const labels = useLedgerLabels();
  const categories = useCategories().data ?? [];
  return useMemo(() => {
    const of = (kind: 'income' | 'expense') =>
      categories
        .filter((category) => category.kind === kind && !category.archived)
        .map((category) => ({ value: category.id, label: labels.category(category) }));
    return { income: of('income'), expense: of('expense') };
  }, [categories, labels]);
}

/** The overrides a confirm sends: only the lines whose category or installment choice the person changed. */
function overridesOf(preview: ImportPreview, choices: Choices, ordinary: Ordinary): NonNullable<ConfirmInput['lines']> {
  return preview.lines.flatMap((line) => {
    const category = line.position in choices && choices[line.position] !== line.category_id;
    const plain = ordinary[line.position] === true && line.purchase !== null;
    if (!category && !plain) return [];
    return [
      {
        position: line.position,
        ...(category ? { category_id: choices[line.position] ?? null } : {}),
        ...(plain ? { as_installments: false } : {}),
      },
    ];
  });
}

function Totals({ preview }: { preview: ImportPreview }) {
  const { t } = useTranslation();
  return (
    <Stack gap={2}>
      <Text fw={600} data-testid="import-totals">
        {t('imports.newCount', { count: preview.new_count })}, {t('imports.duplicateCount', { count: preview.duplicate_count })}
      </Text>
      {preview.skipped_count > 0 && (
        <Text size="sm" c="dimmed">
          {t('imports.skipped', { count: preview.skipped_count })}
        </Text>
      )}
    </Stack>
  );
}

/** Step two: the lines as read, a category per new line, then confirm (or discard). */
export function ImportPreviewPanel({
  preview,
  onDone,
  onDiscard,
}: {
  preview: ImportPreview;
  onDone: (result: ImportConfirmed) => void;
  onDiscard: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const options = useCategoryOptions();
  const [choices, setChoices] = useState<Choices>({});
  const [ordinary, setOrdinary] = useState<Ordinary>({});
  const [shown, setShown] = useState(LINES_SHOWN_STEP);
  const [ruleLine, setRuleLine] = useState<ImportLine | null>(null);
  const confirm = useIdempotentMutation({
    mutationFn: (input: ConfirmInput, key: string) => confirmImport(preview.id, input, key),
    onSuccess: async () => {
      await Promise.all([invalidateMoney(queryClient), queryClient.invalidateQueries({ queryKey: IMPORTS_KEY })]);
    },
  });
  const choiceOf = (line: ImportLine) => (line.position in choices ? (choices[line.position] ?? null) : line.category_id);
  const submit = () => confirm.submit({ lines: overridesOf(preview, choices, ordinary) }, { onSuccess: onDone });
  return (
    <Card withBorder padding="md">
      <Stack gap="md">
        <Title order={2} fz="lg">
          {t('imports.previewTitle')}
        </Title>
        <Totals preview={preview} />
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('imports.date')}</Table.Th>
                <Table.Th>{t('imports.description')}</Table.Th>
                <Table.Th ta="right">{t('imports.amount')}</Table.Th>
                <Table.Th>{t('imports.category')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {preview.lines.slice(0, shown).map((line) => (
                <LineRow
                  key={line.position}
                  line={line}
                  options={line.amount_cents < 0 ? options.expense : options.income}
                  choice={choiceOf(line)}
                  onChoose={(id) => setChoices((current) => ({ ...current, [line.position]: id }))}
                  onRule={() => setRuleLine(line)}
                  ordinary={ordinary[line.position] === true}
                  onOrdinary={(plain) => setOrdinary((current) => ({ ...current, [line.position]: plain }))}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {preview.lines.length > shown && (
          <Button variant="default" onClick={() => setShown((count) => count + LINES_SHOWN_STEP)}>
            {t('imports.moreLines', { count: Math.min(LINES_SHOWN_STEP, preview.lines.length - shown) })}
          </Button>
        )}
        <ImportProblem error={confirm.error} />
        <Group>
          <Button onClick={submit} loading={confirm.isPending} disabled={preview.new_count === 0} data-writes>
            {preview.new_count === 0 ? t('imports.confirmNone') : t('imports.confirm', { count: preview.new_count })}
          </Button>
          <Button variant="default" onClick={onDiscard} disabled={confirm.isPending}>
            {t('imports.discard')}
          </Button>
        </Group>
      </Stack>
      <RuleModal
        line={ruleLine}
        options={ruleLine && ruleLine.amount_cents < 0 ? options.expense : options.income}
        onClose={() => setRuleLine(null)}
        onSaved={(pattern, categoryId) => {
          // The rule applies to this preview too: every new line whose description contains it.
          const next: Choices = {};
          for (const line of preview.lines) {
            if (
              line.duplicate_of === null &&
              line.duplicate_kind !== 'installment_of' &&
              line.amount_cents < 0 === (ruleLine?.amount_cents ?? 0) < 0 &&
              foldText(line.description).includes(pattern)
            )
              next[line.position] = categoryId;
          }
          setChoices((current) => ({ ...current, ...next }));
        }}
      />
      {preview.new_count === 0 && (
        <Alert color="gray" variant="light" mt="md">
          {t('imports.duplicateHint')}
        </Alert>
      )}
    </Card>
  );
}
