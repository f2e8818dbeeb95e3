import { Alert, Box } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useReadOnly } from '../lib/readOnly';
import { AlertIcon } from './icons';

/**
 * The controls that write: every submit button (each form of the app, in a page or in a
 * modal, writes when it is submitted), and every other control whose click writes (an
 * archive menu item, a delete confirmation, "mark all as read", sign out), which carries
 * `data-writes` where it is rendered since nothing else tells it from a button that only
 * navigates or opens a form.
 */
const WRITE_CONTROLS = 'button[type="submit"], [data-writes]';
/** Set on a control this banner disabled; its value is the aria-disabled it had before, to put back. */
const DISABLED_MARK = 'data-read-only-disabled';
const HINT_MARK = 'data-read-only-hint';
const BANNER_TEXT_ID = 'read-only-banner-text';

function disableControl(control: Element, hint: string): void {
  if (control.hasAttribute(DISABLED_MARK)) return;
  control.setAttribute(DISABLED_MARK, control.getAttribute('aria-disabled') ?? '');
  control.setAttribute('aria-disabled', 'true');
  if (!control.hasAttribute('title')) {
    control.setAttribute('title', hint);
    control.setAttribute(HINT_MARK, '');
  }
  if (!control.hasAttribute('aria-describedby')) control.setAttribute('aria-describedby', BANNER_TEXT_ID);
}

function enableControl(control: Element): void {
  const before = control.getAttribute(DISABLED_MARK);
  if (before) control.setAttribute('aria-disabled', before);
  else control.removeAttribute('aria-disabled');
  if (control.hasAttribute(HINT_MARK)) control.removeAttribute('title');
  if (control.getAttribute('aria-describedby') === BANNER_TEXT_ID) control.removeAttribute('aria-describedby');
  control.removeAttribute(DISABLED_MARK);
  control.removeAttribute(HINT_MARK);
}

/** A submit, or a click on a disabled control, goes no further: neither the form's handler nor the browser sees it. */
function stopWrite(event: Event): void {
  const target = event.target instanceof Element ? event.target : null;
  if (event.type === 'click' && !target?.closest(`[${DISABLED_MARK}]`)) return;
  event.preventDefault();
  event.stopPropagation();
}

/**
 * While writes are refused, every write control of the page, those rendered later (a
 * modal opened) too, is disabled in one place rather than in each screen: marked
 * aria-disabled with the reason as its tooltip, and its clicks and its form's submit
 * (Enter in a field included) stopped before React sees them.
 */
function useWriteControlsDisabled(readOnly: boolean, hint: string): void {
  useEffect(() => {
    if (!readOnly) return;
    const disableAll = () => {
      for (const control of document.querySelectorAll(WRITE_CONTROLS)) disableControl(control, hint);
    };
    disableAll();
    const observer = new MutationObserver(disableAll);
    observer.observe(document.body, { childList: true, subtree: true });
    document.addEventListener('submit', stopWrite, true);
    document.addEventListener('click', stopWrite, true);
    return () => {
      observer.disconnect();
      document.removeEventListener('submit', stopWrite, true);
      document.removeEventListener('click', stopWrite, true);
      for (const control of document.querySelectorAll(`[${DISABLED_MARK}]`)) enableControl(control);
    };
  }, [readOnly, hint]);
}

/** How a control disabled above looks: dimmed, with a cursor that says no. */
const DISABLED_STYLE = `[${DISABLED_MARK}] { opacity: 0.55; cursor: not-allowed; }`;

/**
 * Says, on every page (the sign-in page too), that the service is read-only for now while
 * the server refuses writes, and disables the write controls meanwhile. The live region is
 * always there, so a screen reader announces the banner when it appears.
 */
export function ReadOnlyBanner() {
  const { t } = useTranslation();
  const readOnly = useReadOnly();
  useWriteControlsDisabled(readOnly, t('readOnly.disabledHint'));
  return (
    <Box role="status" aria-live="polite">
      {readOnly ? (
        <Alert
          color="orange"
          variant="light"
          icon={<AlertIcon />}
          title={t('readOnly.title')}
          role="none"
          mb="md"
          data-testid="read-only-banner"
        >
          <span id={BANNER_TEXT_ID}>{t('readOnly.text')}</span>
          <style>{DISABLED_STYLE}</style>
        </Alert>
      ) : null}
    </Box>
  );
}
