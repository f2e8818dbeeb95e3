/**
 * Copies text to the clipboard. The Clipboard API exists only in secure contexts
 * (HTTPS or localhost); a self-hosted server reached over plain HTTP on a home network
 * falls back to selecting the text field and the older copy command.
 */
export async function copyText(text: string, field: HTMLTextAreaElement | null): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: try the fallback below.
    }
  }
  if (!field) return false;
  field.focus();
  field.select();
  return document.execCommand('copy');
}
