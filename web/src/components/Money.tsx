import { Text, type TextProps } from '@mantine/core';
import { formatBrl, formatBrlSigned } from '../lib/money';

interface MoneyProps extends TextProps {
  cents: number;
  /** Show "+" on positive amounts: for movements, where the direction is the point. */
  signed?: boolean;
  /** Green when positive, red when negative, in shades that keep AA contrast in both schemes (theme.ts). */
  colored?: boolean;
}

/**
 * An amount as people read it: `R$ 1.234,56`. It never wraps and uses tabular digits,
 * so amounts in a column line up and a narrow screen never splits one across lines.
 */
export function Money({ cents, signed = false, colored = false, style, ...rest }: MoneyProps) {
  const color = colored && cents !== 0 ? (cents > 0 ? 'var(--app-amount-positive)' : 'var(--app-amount-negative)') : undefined;
  return (
    <Text
      component="span"
      c={color}
      {...rest}
      data-money=""
      style={[{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums', flexShrink: 0 }, style]}
    >
      {signed ? formatBrlSigned(cents) : formatBrl(cents)}
    </Text>
  );
}
