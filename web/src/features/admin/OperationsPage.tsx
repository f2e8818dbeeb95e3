import { Alert, Badge, Button, Card, Code, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isApiError } from '../../api/problem';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { usePageTitle } from '../../components/usePageTitle';
import { TIME_ZONE } from '../../lib/calendar';
import { type AdminJob, type JobRun, type ReconcileFinding, useAdminJobs, useReconcileFindings } from './api';

const TAP = { minHeight: 44 } as const;
const STATUS_COLORS: Record<JobRun['status'], string> = {
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  died: 'orange',
};

function useInstantFormat() {
  const { i18n } = useTranslation();
  const format = new Intl.DateTimeFormat(i18n.resolvedLanguage, { dateStyle: 'short', timeStyle: 'medium', timeZone: TIME_ZONE });
  return (iso: string | null | undefined) => (iso ? format.format(new Date(iso)) : '—');
}

/** "Operação": the worker's jobs (schedule, next run, last runs) and the open reconcile findings. */
export function OperationsPage() {
  const { t } = useTranslation();
  usePageTitle(t('operations.pageTitle'));
  const jobs = useAdminJobs();
  const findings = useReconcileFindings();

  if (isApiError(jobs.error) && jobs.error.status === 403) return <OnlyOperators />;
  return (
    <Stack gap="lg" maw={960} mx="auto">
      <Group justify="space-between" wrap="wrap">
        <Title order={1} fz={{ base: 26, sm: 32 }}>
          {t('operations.pageTitle')}
        </Title>
        <Button
          variant="default"
          style={TAP}
          loading={jobs.isFetching || findings.isFetching}
          onClick={() => {
            void jobs.refetch();
            void findings.refetch();
          }}
        >
          {t('operations.refresh')}
        </Button>
      </Group>
      <FindingsSection findings={findings.data?.findings} total={findings.data?.total} error={findings.error} />
      <Stack gap="sm" component="section" aria-labelledby="operations-jobs">
        <Title order={2} fz="lg" id="operations-jobs">
          {t('operations.jobs.title')}
        </Title>
        <ProblemAlert error={jobs.error} />
        {jobs.isPending ? <Loader aria-label={t('app.loading')} /> : null}
        {jobs.data?.jobs.map((job) => (
          <JobCard key={job.name} job={job} />
        ))}
      </Stack>
    </Stack>
  );
}

function OnlyOperators() {
  const { t } = useTranslation();
  return (
    <Stack gap="md" maw={640} mx="auto">
      <Title order={1} fz={{ base: 26, sm: 32 }}>
        {t('operations.pageTitle')}
      </Title>
      <Alert color="yellow" title={t('operations.onlyOperators.title')}>
        <Stack gap="sm">
          <Text size="sm">{t('operations.onlyOperators.text')}</Text>
          <Button component={Link} to="/" variant="default" style={{ ...TAP, alignSelf: 'flex-start' }}>
            {t('operations.onlyOperators.home')}
          </Button>
        </Stack>
      </Alert>
    </Stack>
  );
}

function JobCard({ job }: { job: AdminJob }) {
  const { t } = useTranslation();
  const formatInstant = useInstantFormat();
  return (
    <Card withBorder radius="lg" padding="md" component="article" aria-label={job.name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={700} style={{ overflowWrap: 'anywhere' }}>
            {job.name}
          </Text>
          <Code>{job.schedule}</Code>
        </Group>
        <Text size="sm" c="dimmed">
          {t('operations.jobs.nextRun', { at: formatInstant(job.next_run_at) })}
        </Text>
        {job.last_runs.length === 0 ? (
          <Text size="sm">{t('operations.jobs.neverRan')}</Text>
        ) : (
          <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {job.last_runs.map((run) => (
              <RunLine key={run.id} run={run} />
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

function RunLine({ run }: { run: JobRun }) {
  const { t } = useTranslation();
  const formatInstant = useInstantFormat();
  return (
    <li>
      <Group gap="xs" wrap="wrap">
        <Badge color={STATUS_COLORS[run.status]} variant="light">
          {t(`operations.status.${run.status}`)}
        </Badge>
        <Text size="sm">{formatInstant(run.started_at)}</Text>
        <Text size="sm" c="dimmed">
          {t('operations.jobs.items', { count: run.items })}
        </Text>
      </Group>
      {run.error_summary ? (
        <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
          {run.error_summary}
        </Text>
      ) : null}
    </li>
  );
}

function FindingsSection({ findings, total, error }: { findings?: ReconcileFinding[]; total?: number; error: Error | null }) {
  const { t } = useTranslation();
  const formatInstant = useInstantFormat();
  return (
    <Stack gap="sm" component="section" aria-labelledby="operations-findings">
      <Title order={2} fz="lg" id="operations-findings">
        {t('operations.findings.title', { count: total ?? 0 })}
      </Title>
      <ProblemAlert error={error} />
      {findings && findings.length === 0 ? <Text size="sm">{t('operations.findings.none')}</Text> : null}
      {findings && findings.length > 0 ? (
        <Alert color="red" title={t('operations.findings.alert')}>
          <Table.ScrollContainer minWidth={560}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('operations.findings.foundAt')}</Table.Th>
                  <Table.Th>{t('operations.findings.account')}</Table.Th>
                  <Table.Th>{t('operations.findings.cached')}</Table.Th>
                  <Table.Th>{t('operations.findings.ledger')}</Table.Th>
                  <Table.Th>{t('operations.findings.snapshot')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {findings.map((finding) => (
                  <Table.Tr key={finding.id}>
                    <Table.Td>{formatInstant(finding.found_at)}</Table.Td>
                    <Table.Td>
                      <Code>{finding.account_id}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Money cents={finding.cached_balance_cents} size="sm" />
                    </Table.Td>
                    <Table.Td>
                      <Money cents={finding.ledger_balance_cents} size="sm" />
                    </Table.Td>
                    <Table.Td>
                      <Money cents={finding.snapshot_balance_cents} size="sm" />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Text size="xs" mt="xs">
            {t('operations.findings.runbook')}
          </Text>
        </Alert>
      ) : null}
    </Stack>
  );
}
