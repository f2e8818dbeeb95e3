import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The banner disables, while writes are refused, the submit buttons and the controls marked
 * `data-writes`; a control that writes from its click but lacks the mark stays enabled. This
 * guard reads the screens' source and lists each element whose onClick (or onChange) starts a
 * mutation, inline or through a function of the same file, without the mark. Handlers reached
 * through a prop (a row's onAction) are beyond what it can see: those are marked by hand.
 */
const SOURCES = import.meta.glob(['../features/**/*.tsx', '../app/**/*.tsx', '../components/**/*.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** A call that sends a write: a react-query mutation, or useIdempotentMutation's submit. */
const WRITE_CALL = /\.(mutate|mutateAsync|submit)\(/;
const HANDLERS = new Set(['onClick', 'onChange']);
const MARK = 'data-writes';

/** The source of each function declared in the file by name (`const confirm = () => …`, `function confirm…`). */
function localFunctions(file: ts.SourceFile): Map<string, string> {
  const functions = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      functions.set(node.name.text, node.initializer.getText(file));
    } else if (ts.isFunctionDeclaration(node) && node.name) {
      functions.set(node.name.text, node.getText(file));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return functions;
}

/** Controls whose click runs a mutation that only reads, each with the reason: `path handler`. */
const READS_ONLY = new Set([
  // "Mostrar" fetches a charge (GET /api/pix/charges/{id}) again to show its QR.
  '../features/pix/PixReceivePage.tsx () => open.mutate(item.id)',
]);

function handlerWrites(handler: ts.Expression, file: ts.SourceFile, functions: Map<string, string>): boolean {
  if (READS_ONLY.has(`${file.fileName} ${handler.getText(file)}`)) return false;
  if (ts.isIdentifier(handler)) return WRITE_CALL.test(functions.get(handler.text) ?? '');
  return WRITE_CALL.test(handler.getText(file));
}

function attributeNamed(element: ts.JsxOpeningLikeElement, name: string): ts.JsxAttribute | undefined {
  return element.attributes.properties.find(
    (property): property is ts.JsxAttribute => ts.isJsxAttribute(property) && property.name.getText() === name,
  );
}

/** Where, in one file, an element writes from a click without the mark: `path:line <Tag>`. */
function unmarkedWriteControls(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const functions = localFunctions(file);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) {
      const writes = node.attributes.properties.some((property) => {
        if (!ts.isJsxAttribute(property) || !HANDLERS.has(property.name.getText(file))) return false;
        const value = property.initializer;
        if (!value || !ts.isJsxExpression(value) || !value.expression) return false;
        return handlerWrites(value.expression, file, functions);
      });
      if (writes && !attributeNamed(node, MARK)) {
        const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
        found.push(`${path}:${line} <${node.tagName.getText(file)}>`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('write controls outside a form', () => {
  it('finds the screens to read', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(20);
  });

  it('sees a click that writes without the mark, inline or through a local function', () => {
    const source = `
      function Row() {
        const remove = () => line.mutate();
        return (<>
          <Menu.Item onClick={() => archive.mutate()}>A</Menu.Item>
          <Button onClick={remove}>B</Button>
          <Button onClick={remove} data-writes>C</Button>
          <Button onClick={() => setOpen(true)}>D</Button>
        </>);
      }`;
    expect(unmarkedWriteControls('row.tsx', source)).toEqual(['row.tsx:5 <Menu.Item>', 'row.tsx:6 <Button>']);
  });

  it('marks every control of the screens whose click writes', () => {
    const unmarked = Object.entries(SOURCES).flatMap(([path, source]) => unmarkedWriteControls(path, source));
    expect(unmarked).toEqual([]);
  });
});
