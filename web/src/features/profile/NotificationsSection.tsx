import { Card, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../../components/ProblemAlert';
import {
  type NotificationPreference,
  useNotificationPreferences,
  useSaveNotificationPreference,
} from './notificationPreferences';

/** A switch's whole row (its label) is the tap target: at least 44 px tall. */
const SWITCH_STYLES = { body: { minHeight: 44, alignItems: 'center' }, labelWrapper: { justifyContent: 'center' } } as const;
type Channel = 'in_app' | 'email';

/** "Notificações": per kind, whether it shows under the bell and whether it comes by e-mail. */
export function NotificationsSection() {
  const { t } = useTranslation();
  const preferences = useNotificationPreferences();
  const save = useSaveNotificationPreference();
  const toggle = (preference: NotificationPreference, channel: Channel, on: boolean) =>
    save.mutate({ ...preference, [channel]: on });
  return (
    <Card withBorder radius="lg" padding="md" component="section" aria-labelledby="profile-notifications">
      <Stack gap="sm">
        <Title order={2} fz="lg" id="profile-notifications">
          {t('profile.notifications.title')}
        </Title>
        <ProblemAlert error={preferences.error ?? save.error} />
        {preferences.data && !preferences.data.email_enabled ? (
          <Text size="sm" c="dimmed">
            {t('profile.notifications.emailDisabled')}
          </Text>
        ) : null}
        {preferences.data?.items.map((preference) => (
          <Stack key={preference.kind} gap={0} role="group" aria-labelledby={`notifications-${preference.kind}`}>
            <Text fw={600} id={`notifications-${preference.kind}`}>
              {t(`profile.notifications.kinds.${preference.kind}`)}
            </Text>
            <Group gap="lg">
              {(['in_app', 'email'] as const).map((channel) => (
                <Switch
                  key={channel}
                  size="md"
                  styles={SWITCH_STYLES}
                  label={t(`profile.notifications.channels.${channel}`)}
                  aria-label={t('profile.notifications.switchLabel', {
                    kind: t(`profile.notifications.kinds.${preference.kind}`),
                    channel: t(`profile.notifications.channels.${channel}`),
                  })}
                  checked={preference[channel]}
                  disabled={save.isPending}
                  onChange={(event) => toggle(preference, channel, event.currentTarget.checked)}
                  data-writes
                />
              ))}
            </Group>
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}
