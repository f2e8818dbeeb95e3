import type { FastifyInstance } from 'fastify';

/** One movement of a hand-written OFX statement. */
export interface OfxMovement {
  date: string;
  amount: string;
  memo: string;
  fitid?: string;
}

/** A small OFX 1.x (SGML, no closing tags on the leaves) statement, as Brazilian banks send them. */
export function ofx(movements: readonly OfxMovement[]): string {
  const transactions = movements
    .map(
      (movement) =>
        `<STMTTRN>\n<TRNTYPE>${movement.amount.startsWith('-') ? 'DEBIT' : 'CREDIT'}\n<DTPOSTED>${movement.date.replaceAll('-', '')}120000[-3:BRT]\n<TRNAMT>${movement.amount}\n${movement.fitid ? `<FITID>${movement.fitid}\n` : ''}<MEMO>${movement.memo}\n</STMTTRN>`,
    )
    .join('\n');
  return `OFXHEADER:100
DATA:OFXSGML
VERSION:102
ENCODING:USASCII
CHARSET:1252

<OFX>
<BANKMSGSRSV1>
<STMTTRNRS>
<STMTRS>
<CURDEF>BRL
<BANKTRANLIST>
<DTSTART>20261101
<DTEND>20261130
${transactions}
</BANKTRANLIST>
</STMTRS>
</STMTTRNRS>
</BANKMSGSRSV1>
</OFX>
`;
}

/** A part of a multipart form: a text field, or a file. */
export type FormPart =
  | { name: string; value: string; contentType?: string }
  | { name: string; file: Buffer | string; filename: string };

/** A multipart/form-data body written by hand, so a test can also write broken ones. */
export function multipart(
  parts: readonly FormPart[],
  boundary = 'vaidepixboundary',
): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('file' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        Buffer.isBuffer(part.file) ? part.file : Buffer.from(part.file),
        Buffer.from('\r\n'),
      );
    } else {
      const type = part.contentType ? `Content-Type: ${part.contentType}\r\n` : '';
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n${type}\r\n${part.value}\r\n`),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** POST /api/imports with a file for an account. */
export function upload(
  app: FastifyInstance,
  token: string,
  options: {
    accountId: string;
    file: Buffer | string;
    filename?: string;
    fields?: Record<string, string>;
    headers?: Record<string, string>;
  },
) {
  const form = multipart([
    { name: 'account_id', value: options.accountId },
    ...Object.entries(options.fields ?? {}).map(([name, value]) => ({ name, value })),
    { name: 'file', file: options.file, filename: options.filename ?? 'extrato.ofx' },
  ]);
  return app.inject({
    method: 'POST',
    url: '/api/imports',
    headers: { authorization: `Bearer ${token}`, ...form.headers, ...options.headers },
    payload: form.payload,
  });
}
