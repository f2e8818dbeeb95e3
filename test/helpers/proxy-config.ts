/**
 * Readers for the reverse-proxy examples in ops/reverse-proxy/: nginx's configuration
 * language and the Caddyfile, both turned into a tree of directives, so a test can ask
 * "inside the TLS server, what does location = /metrics do" rather than grep text that a
 * comment could satisfy. Enough of each syntax for those files; anything else throws.
 */

export interface Directive {
  name: string;
  args: string[];
  /** The directives of its { … } block; undefined when it has none. */
  block?: Directive[];
}

/** Words, quoted strings and the punctuation that structures both languages. */
function tokens(text: string, { newlineEnds }: { newlineEnds: boolean }): string[] {
  const found: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|#[^\n]*|(\n)|([{};])|([^\s{};"'#][^\s{};"']*)/g;
  for (const match of text.matchAll(pattern)) {
    const [whole, doubleQuoted, singleQuoted, newline, punctuation, word] = match;
    if (whole.startsWith('#')) continue;
    if (newline !== undefined) {
      if (newlineEnds) found.push(';');
      continue;
    }
    const value = doubleQuoted ?? singleQuoted ?? punctuation ?? word;
    // A quoted string is marked so "{" in quotes is never taken for a block.
    found.push(doubleQuoted !== undefined || singleQuoted !== undefined ? `\u0000${value}` : (value as string));
  }
  return found;
}

function unquote(token: string): string {
  return token.startsWith('\u0000') ? token.slice(1) : token;
}

/** Builds the tree from tokens where ";" ends a directive and "{" … "}" nests. */
function tree(stream: string[]): Directive[] {
  let position = 0;
  const readBlock = (depth: number): Directive[] => {
    const directives: Directive[] = [];
    let words: string[] = [];
    while (position < stream.length) {
      const token = stream[position++] as string;
      if (token === ';') {
        if (words.length > 0) directives.push({ name: unquote(words[0] as string), args: words.slice(1).map(unquote) });
        words = [];
      } else if (token === '{') {
        if (words.length === 0) throw new Error('a block without a directive before it');
        directives.push({ name: unquote(words[0] as string), args: words.slice(1).map(unquote), block: readBlock(depth + 1) });
        words = [];
      } else if (token === '}') {
        if (depth === 0) throw new Error('a } without its {');
        if (words.length > 0) directives.push({ name: unquote(words[0] as string), args: words.slice(1).map(unquote) });
        return directives;
      } else {
        words.push(token);
      }
    }
    if (depth > 0) throw new Error('a { is never closed');
    if (words.length > 0) throw new Error(`a directive without its ending: ${words.join(' ')}`);
    return directives;
  };
  return readBlock(0);
}

/** nginx: directives end with ";", blocks are { … }, # starts a comment. */
export function parseNginx(text: string): Directive[] {
  return tree(tokens(text, { newlineEnds: false }));
}

/** Caddyfile: one directive a line, blocks are { … } opened at the end of a line, # comments. */
export function parseCaddyfile(text: string): Directive[] {
  return tree(tokens(text, { newlineEnds: true }));
}

/** The directives of a block with this name (and, when given, these first arguments). */
export function childrenNamed(directives: Directive[] | undefined, name: string, ...args: string[]): Directive[] {
  return (directives ?? []).filter(
    (directive) => directive.name === name && args.every((arg, index) => directive.args[index] === arg),
  );
}

/** The one directive with this name and first arguments; throws when there is none or several. */
export function onlyChild(directives: Directive[] | undefined, name: string, ...args: string[]): Directive {
  const found = childrenNamed(directives, name, ...args);
  if (found.length !== 1) throw new Error(`expected one ${[name, ...args].join(' ')}, found ${found.length}`);
  return found[0] as Directive;
}
