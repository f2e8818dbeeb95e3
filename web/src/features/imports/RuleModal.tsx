import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bodyLimit } from '../../api/limits';
import { createRule, type ImportLine } from './api';
import { ImportProblem } from './ImportProblem';
import { foldText } from './text';

const PATTERN_LENGTH_MAX = bodyLimit('post', '/api/imports/rules', 'pattern', 'maxLength');
/** Words of the description offered as the rule's text: the payee's name is usually in the first few. */
const SUGGESTED_WORDS_MAX = 2;

/** "Always put UBER in Transporte", made from a preview line. */
export function RuleModal(props: {
  line: ImportLine | null;
  options: { value: string; label: string }[];
  onClose: () => void;
  onSaved: (pattern: string, categoryId: string) => void;
}) {
  const { t } = useTranslation();
  const [pattern, setPattern] = useState('');
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const save = useMutation({ mutationFn: createRule });
  const { line, onClose, onSaved } = props;
  useEffect(() => {
    if (!line) return;
    setPattern(foldText(line.description).split(' ').slice(0, SUGGESTED_WORDS_MAX).join(' '));
    setCategoryId(line.category_id);
    save.reset();
  }, [line, save.reset]);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!categoryId || foldText(pattern) === '') return;
    save.mutate(
      { pattern, category_id: categoryId },
      {
        onSuccess: (rule) => {
          notifications.show({ message: t('imports.ruleSaved', { pattern: rule.pattern }) });
          onSaved(rule.pattern, rule.category_id);
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={line !== null} onClose={onClose} title={t('imports.ruleTitle')}>
      <form onSubmit={submit}>
        <Stack gap="md">
          <Text size="sm">{t('imports.ruleText')}</Text>
          <TextInput
            label={t('imports.rulePattern')}
            value={pattern}
            onChange={(event) => setPattern(event.currentTarget.value)}
            maxLength={PATTERN_LENGTH_MAX}
            required
            data-autofocus
          />
          <Select
            label={t('imports.ruleCategory')}
            data={props.options}
            value={categoryId}
            onChange={setCategoryId}
            required
            searchable
          />
          <ImportProblem error={save.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('imports.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!categoryId || foldText(pattern) === ''}>
              {t('imports.ruleSave')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
