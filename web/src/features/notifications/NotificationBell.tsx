import { ActionIcon, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { BellIcon } from '../../components/icons';
import { codeMessageKey } from '../../i18n/problems';
import { useLedgerLabels } from '../ledger/labels';
import type { AppNotification } from './api';
import { useMarkAllRead, useMarkRead, useNotifications } from './queries';
import { budgetAlertValues, recurringFailedValues, weeklySummaryValues } from './text';

/** Past this the badge says "99+": the exact figure is in the list. */
const BADGE_COUNT_MAX = 99;
/** Fits a 360 px screen with the header's padding on both sides. */
const DROPDOWN_WIDTH = 'min(22rem, calc(100vw - 1rem))';

/** The summary's figures when it carries them; otherwise only that it is ready. */
function weeklySummaryText(params: AppNotification['params'], language: string, t: TFunction): string {
  const values = weeklySummaryValues(params, { language });
  return values ? t('notifications.weeklySummaryFigures', values) : t('notifications.weeklySummary');
}

/** Which bill could not be posted on which day, and why, in plain words. */
function recurringFailedText(params: AppNotification['params'], t: TFunction): string {
  const values = recurringFailedValues(params);
  return values
    ? t('notifications.recurringFailedFigures', { ...values, reason: t(codeMessageKey(values.code)) })
    : t('notifications.recurringFailed');
}

function NotificationItem({ notification, onOpen }: { notification: AppNotification; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const labels = useLedgerLabels();
  const unread = notification.read_at === null;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(notification.created_at),
  );
  return (
    <UnstyledButton
      onClick={onOpen}
      data-notification
      data-unread={unread ? 'true' : 'false'}
      p="xs"
      style={{ minHeight: 44, width: '100%', borderRadius: 'var(--mantine-radius-md)' }}
      bg={unread ? 'var(--mantine-color-default-hover)' : undefined}
    >
      <Text size="sm" fw={unread ? 700 : 400}>
        {notification.kind === 'budget_alert'
          ? t(
              'notifications.budgetAlert',
              budgetAlertValues(notification.params, { language: i18n.language, categoryLabel: labels.category }),
            )
          : notification.kind === 'recurring_failed'
            ? recurringFailedText(notification.params, t)
            : weeklySummaryText(notification.params, i18n.language, t)}
      </Text>
      <Text size="xs" c="dimmed">
        {unread ? `${t('notifications.unread')} · ` : ''}
        {when}
      </Text>
    </UnstyledButton>
  );
}

/** The bell in the header: the unread count, and the list of what happened, each opening its screen. */
export function NotificationBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const list = useNotifications();
  const markRead = useMarkRead();
  const markAllRead = useMarkAllRead();
  const unread = list.data?.unread ?? 0;
  const items = list.data?.items ?? [];
  const label = unread > 0 ? t('notifications.labelUnread', { count: unread }) : t('notifications.label');

  const open = (notification: AppNotification) => {
    if (notification.read_at === null) markRead.mutate(notification.id);
    setOpened(false);
    void navigate(notification.link);
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={DROPDOWN_WIDTH} withinPortal trapFocus>
      <Popover.Target>
        <Indicator
          label={unread > BADGE_COUNT_MAX ? `${BADGE_COUNT_MAX}+` : unread}
          disabled={unread === 0}
          size={18}
          offset={6}
          color="red"
          data-testid="notification-count"
        >
          <ActionIcon
            variant="default"
            size="lg"
            radius="xl"
            aria-label={label}
            title={label}
            aria-expanded={opened}
            aria-haspopup="dialog"
            onClick={() => setOpened((current) => !current)}
          >
            <BellIcon size={18} />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p="xs" role="dialog" aria-label={t('notifications.title')}>
        <Stack gap="xs">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text fw={700}>{t('notifications.title')}</Text>
            <Button
              variant="subtle"
              size="xs"
              disabled={unread === 0}
              loading={markAllRead.isPending}
              onClick={() => markAllRead.mutate()}
              data-writes
            >
              {t('notifications.readAll')}
            </Button>
          </Group>
          {items.length === 0 ? (
            <Text size="sm" c="dimmed" py="sm">
              {list.isError ? t('notifications.loadFailed') : t('notifications.empty')}
            </Text>
          ) : (
            <ScrollArea.Autosize mah="min(60vh, 28rem)" type="auto">
              <Stack gap={4}>
                {items.map((notification) => (
                  <NotificationItem key={notification.id} notification={notification} onOpen={() => open(notification)} />
                ))}
              </Stack>
            </ScrollArea.Autosize>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
