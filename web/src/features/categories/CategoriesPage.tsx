import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Center,
  Divider,
  Group,
  Loader,
  Menu,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CATEGORY_KINDS,
  CATEGORY_NAME_LENGTH_MAX,
  type Category,
  type CategoryKind,
  createCategory,
  patchCategory,
} from '../../api/ledger';
import { DotsIcon } from '../../components/icons';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { errorMessageKey, mappedFieldErrorsFrom } from '../../i18n/problems';
import { useLedgerLabels } from '../ledger/labels';
import { LEDGER_KEYS, useCategories } from '../ledger/queries';
import { useIdempotentMutation } from '../ledger/useIdempotentMutation';
import { useFormErrorText, validateText } from '../ledger/validation';
import { RenameCategoryForm } from './RenameCategoryForm';

export function CategoriesPage() {
  const { t } = useTranslation();
  usePageTitle(t('categories.pageTitle'));
  const labels = useLedgerLabels();
  const categories = useCategories();
  const [renaming, setRenaming] = useState<Category | null>(null);

  const byName = (a: Category, b: Category) => labels.category(a).localeCompare(labels.category(b));
  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('categories.pageTitle')}
      </Title>
      <NewCategoryForm />
      {categories.isError ? <ProblemAlert error={categories.error} context="load" /> : null}
      {categories.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('app.loading')} />
        </Center>
      ) : null}
      {categories.data ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
          {CATEGORY_KINDS.map((kind) => {
            const items = categories.data
              .filter((category) => category.kind === kind)
              .sort((a, b) => Number(a.archived) - Number(b.archived) || byName(a, b));
            return (
              <Card key={kind} withBorder radius="lg" padding={0} component="section" aria-labelledby={`categories-${kind}`}>
                <Title order={2} fz="lg" px="md" py="sm" id={`categories-${kind}`}>
                  {t(`categories.${kind}`)}
                </Title>
                {items.map((category) => (
                  <Fragment key={category.id}>
                    <Divider />
                    <CategoryRow category={category} onRename={() => setRenaming(category)} />
                  </Fragment>
                ))}
              </Card>
            );
          })}
        </SimpleGrid>
      ) : null}
      <Modal
        opened={renaming !== null}
        onClose={() => setRenaming(null)}
        title={t('categories.renameForm.title')}
        closeButtonProps={{ 'aria-label': t('forms.close') }}
      >
        {renaming ? <RenameCategoryForm category={renaming} onDone={() => setRenaming(null)} /> : null}
      </Modal>
    </Stack>
  );
}

function CategoryRow({ category, onRename }: { category: Category; onRename: () => void }) {
  const { t } = useTranslation();
  const labels = useLedgerLabels();
  const queryClient = useQueryClient();
  const name = labels.category(category);
  const archive = useMutation({
    mutationFn: () => patchCategory(category.id, { archived: !category.archived, row_version: category.row_version }),
    onSuccess: (saved) =>
      notifications.show({
        color: 'brand',
        message: t(saved.archived ? 'categories.archivedDone' : 'categories.unarchivedDone'),
      }),
    onError: (error) => notifications.show({ color: 'red', title: t('errors.title'), message: t(errorMessageKey(error)) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.categories }),
  });

  return (
    <Group wrap="nowrap" gap="xs" px="md" py={6} data-category-row="">
      <Group gap={6} wrap="nowrap" style={{ flex: 1, minWidth: 0 }}>
        <Text truncate="end" c={category.archived ? 'dimmed' : undefined}>
          {name}
        </Text>
        {category.archived ? (
          <Badge size="xs" variant="outline" color="gray" style={{ flexShrink: 0 }}>
            {t('categories.archivedBadge')}
          </Badge>
        ) : null}
      </Group>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={t('categories.actions', { name })}>
            <DotsIcon size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={onRename}>{t('categories.rename')}</Menu.Item>
          <Menu.Item onClick={() => archive.mutate()} disabled={archive.isPending} data-writes>
            {category.archived ? t('categories.unarchive') : t('categories.archive')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}

function NewCategoryForm() {
  const { t } = useTranslation();
  const errorText = useFormErrorText();
  const queryClient = useQueryClient();
  const form = useForm<{ name: string; kind: CategoryKind }>({
    initialValues: { name: '', kind: 'expense' },
    validate: { name: (value) => validateText(value, { lengthMax: CATEGORY_NAME_LENGTH_MAX, required: true }) },
  });
  const mutation = useIdempotentMutation({
    mutationFn: createCategory,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: LEDGER_KEYS.categories }),
  });
  const submit = form.onSubmit((values) =>
    mutation.submit(
      { name: values.name.trim(), kind: values.kind },
      {
        onSuccess: (created) => {
          notifications.show({ color: 'brand', message: t('categories.create.done', { name: created.name }) });
          form.setFieldValue('name', '');
        },
        onError: (error) => form.setErrors(mappedFieldErrorsFrom(error, { name: 'name' })),
      },
    ),
  );

  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby="new-category">
      <Title order={2} fz="lg" mb="sm" id="new-category">
        {t('categories.create.title')}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              {...form.getInputProps('name')}
              error={errorText(form.errors.name)}
              label={t('categories.fields.name')}
              placeholder={t('categories.fields.namePlaceholder')}
              maxLength={CATEGORY_NAME_LENGTH_MAX}
              style={{ flex: '1 1 220px' }}
              required
              withAsterisk={false}
            />
            <SegmentedControl
              aria-label={t('categories.fields.kind')}
              value={form.values.kind}
              onChange={(value) => form.setFieldValue('kind', value === 'income' ? 'income' : 'expense')}
              data={[
                { value: 'expense', label: t('transactionKinds.expense') },
                { value: 'income', label: t('transactionKinds.income') },
              ]}
            />
            <Button type="submit" loading={mutation.isPending}>
              {t('categories.create.submit')}
            </Button>
          </Group>
          <ProblemAlert error={mutation.error} />
        </Stack>
      </form>
    </Card>
  );
}
