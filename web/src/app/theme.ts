import { createTheme, type MantineColorsTuple } from '@mantine/core';

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
  primaryShade: 6,
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
