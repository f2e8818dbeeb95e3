/**
 * A tolerant, single-pass tokenizer for OFX 1.x SGML and 2.x XML. It yields open tags,
 * close tags and the text after each open tag, with the 1-based line where each starts.
 * It is hand-written because the libraries tried read these files wrong (see ofx.ts).
 * Every step moves forward, so the cost is linear in the file's length whatever it holds:
 * a "<" not followed by a tag name is plain text, and processing instructions
 * (<?xml …?>, <?OFX …?>), comments and declarations are skipped.
 */

/** Longest tag name read as a tag; "<" followed by a longer name is text. */
export const OFX_TAG_NAME_LENGTH_MAX = 64;

export type OfxToken =
  | { kind: 'open'; name: string; line: number }
  | { kind: 'close'; name: string; line: number }
  | { kind: 'text'; text: string; line: number };

function isNameCharacter(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    (code >= 48 && code <= 57) || // 0-9
    code === 46 || // .
    code === 95 // _
  );
}

export class OfxTokenizer {
  private position = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  /** The line the tokenizer has reached: after the last token, the file's last line. */
  get currentLine(): number {
    return this.line;
  }

  next(): OfxToken | null {
    while (this.position < this.text.length) {
      const start = this.position;
      const line = this.line;
      if (this.text.charCodeAt(start) === 60 /* < */) {
        const tag = this.readTag();
        if (tag === 'skipped') continue;
        if (tag !== null) return tag;
      }
      const text = this.readText(start);
      if (text.trim().length > 0) return { kind: 'text', text, line };
    }
    return null;
  }

  /** Reads the tag at the current "<", or returns null (and moves nowhere) when it is text. */
  private readTag(): OfxToken | 'skipped' | null {
    const after = this.text.charCodeAt(this.position + 1);
    if (after === 63 /* ? */ || after === 33 /* ! */) return this.skipDeclaration(after === 33);
    const closing = after === 47; /* / */
    const nameStart = this.position + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd - nameStart <= OFX_TAG_NAME_LENGTH_MAX && isNameCharacter(this.text.charCodeAt(nameEnd))) nameEnd += 1;
    const length = nameEnd - nameStart;
    if (length === 0 || length > OFX_TAG_NAME_LENGTH_MAX || this.text.charCodeAt(nameEnd) !== 62 /* > */) return null;
    const line = this.line;
    const name = this.text.slice(nameStart, nameEnd).toUpperCase();
    this.position = nameEnd + 1;
    return { kind: closing ? 'close' : 'open', name, line };
  }

  /** Skips <?…?>, <!--…--> and <!…>, counting the lines they span. */
  private skipDeclaration(bang: boolean): 'skipped' {
    const isComment = bang && this.text.startsWith('<!--', this.position);
    const terminator = isComment ? '-->' : bang ? '>' : '?>';
    const end = this.text.indexOf(terminator, this.position + 2);
    const stop = end === -1 ? this.text.length : end + terminator.length;
    this.countLines(this.position, stop);
    this.position = stop;
    return 'skipped';
  }

  /** Reads text up to the next "<" that is not the one at `start`. */
  private readText(start: number): string {
    let end = this.text.indexOf('<', start + 1);
    if (end === -1) end = this.text.length;
    this.countLines(start, end);
    this.position = end;
    return this.text.slice(start, end);
  }

  private countLines(from: number, to: number): void {
    for (let index = from; index < to; index += 1) {
      const code = this.text.charCodeAt(index);
      // "\r\n" counts once, at its "\n"; a lone "\r" (old Mac files) counts too.
      if (code === 10 || (code === 13 && this.text.charCodeAt(index + 1) !== 10)) this.line += 1;
    }
  }
}
