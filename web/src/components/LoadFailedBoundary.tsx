import { Alert, Button, Group, Text } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Around a part of a page fetched when it is first shown (a dialog, the first-run steps): if its
 * code cannot be fetched (no connection, a release replaced it), that part says so and offers a
 * reload, and the rest of the page stays. React remembers a failed lazy import, so only a reload
 * tries again.
 */
export class LoadFailedBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? <LoadFailed /> : this.props.children;
  }
}

function LoadFailed() {
  const { t } = useTranslation();
  return (
    <Alert color="red" role="alert" m="md">
      <Group justify="space-between" gap="sm">
        <Text size="sm">{t('app.partFailed')}</Text>
        <Button variant="light" color="red" h={44} onClick={() => window.location.reload()}>
          {t('app.reload')}
        </Button>
      </Group>
    </Alert>
  );
}
