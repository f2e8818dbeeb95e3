import { type CSSVariablesResolver, createTheme, type MantineColorsTuple } from '@mantine/core';

// A Pix-inspired teal; shade 6 (the primary) keeps white text above WCAG AA contrast.
const brand: MantineColorsTuple = [
  '#e8f7f3',
  '#d0eee7',
  '#a2ddd0',
  '#70cbb7',
  '#46bba2',
  '#1f9e86',
  '#0a806c',
  '#076e5d',
  '#055c4e',
  '#034a3f',
];

export const theme = createTheme({
  primaryColor: 'brand',
  primaryShade: { light: 6, dark: 6 },
  colors: { brand },
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '750' },
  components: {
    TextInput: { defaultProps: { size: 'md' } },
    PasswordInput: { defaultProps: { size: 'md' } },
    Select: { defaultProps: { size: 'md' } },
    Textarea: { defaultProps: { size: 'md' } },
    Button: { defaultProps: { size: 'md' } },
  },
});

/**
 * Colours that change with the scheme, each at least 4.5:1 (WCAG AA) against the page and
 * card backgrounds of its scheme (test/e2e/comfort.spec.ts measures the rendered ones):
 * amounts in and out, muted text (Mantine's default dimmed grey is 3.3:1 on white), and
 * the app's page background behind the cards.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--app-background': 'var(--mantine-color-gray-0)',
    '--app-amount-positive': '#0b7a4b',
    '--app-amount-negative': '#c22727',
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
  },
  dark: {
    '--app-background': 'var(--mantine-color-dark-8)',
    '--app-amount-positive': '#5fd39a',
    '--app-amount-negative': '#ff8a8a',
    '--mantine-color-dimmed': 'var(--mantine-color-dark-1)',
  },
});
