import { useEffect, useRef } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { EditorState, type Text } from '@codemirror/state';
import { keymap, scrollPastEnd } from '@codemirror/view';
import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { ConfigProblem } from '../../../shared/api';
import { completeYaml, schemaKeyFor, type JsonSchema } from './schemaCompletion';

/** Validate after the typing pauses this long: the validator parses the whole layer set. */
const LINT_DELAY_MS = 400;

export function problemsToDiagnostics(doc: Text, problems: ConfigProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
    const from = Math.min(line.to, line.from + Math.max(0, p.col - 1));
    return { from, to: Math.max(from, line.to), severity: 'error', message: p.message, source: `${p.file}:${p.line}:${p.col}` };
  });
}

/** True when a problem belongs to the file being edited (the validator reports the whole config). */
export function isProblemOf(path: string, problem: ConfigProblem): boolean {
  return problem.file === path || problem.file.endsWith(`/${path}`) || path.endsWith(`/${problem.file}`);
}

/** The schemas never change while the core runs: fetched once per page load. */
let schemas: Promise<Record<string, unknown>> | null = null;
function loadSchemas(): Promise<Record<string, unknown>> {
  schemas ??= window.architect.config.schemas().then(
    (r) => r.schemas,
    () => ((schemas = null), {}),
  );
  return schemas;
}

/** CodeMirror completion source: keys and enum values from the file's JSON Schema. */
export function schemaCompletionSource(path: string) {
  const key = schemaKeyFor(path);
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    if (!key) return null;
    const schema = (await loadSchemas())[key] as JsonSchema | undefined;
    if (!schema) return null;
    const r = completeYaml(schema, ctx.state.doc.toString(), ctx.pos);
    // Typing opens the list only on a word; Ctrl+Space opens it anywhere.
    if (!r || (!ctx.explicit && r.from === ctx.pos && !/:\s$|-\s$/.test(ctx.state.sliceDoc(Math.max(0, ctx.pos - 2), ctx.pos)))) return null;
    return {
      from: r.from,
      validFor: /^[\w.-]*$/,
      options: r.options.map((o, i) => ({
        label: o.label,
        // Schema order (the order the docs and the seed files use), not alphabetical.
        boost: Math.max(-99, 99 - i),
        apply: o.apply,
        type: o.kind === 'property' ? 'property' : 'enum',
        detail: o.detail,
        ...(o.description ? { info: o.description } : {}),
      })),
    };
  };
}

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--panel)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: "'JetBrains Mono', ui-monospace, Menlo, monospace", fontSize: '13px' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'color-mix(in srgb, var(--accent) 25%, transparent) !important' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': { fontFamily: "'JetBrains Mono', ui-monospace, Menlo, monospace", maxHeight: '16em', minWidth: '340px' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul > li': { padding: '2px 12px 2px 6px' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text, #fff)' },
  '.cm-completionDetail': { color: 'var(--muted)', marginLeft: '1em', fontStyle: 'normal' },
  '.cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail': { color: 'inherit', opacity: 0.8 },
  '.cm-completionInfo': { padding: '6px 10px', maxWidth: '320px' },
});

/** Token colors through CSS variables, so light and dark both read well. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--yaml-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--yaml-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--yaml-number)' },
  { tag: tags.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: 'var(--muted)' },
  { tag: [tags.meta, tags.keyword, tags.labelName], color: 'var(--yaml-meta)' },
]);

interface Props {
  path: string;
  /** The text to load; a new value (another file, a reload) replaces the document. */
  initial: string;
  onChange(text: string): void;
  onProblems(problems: ConfigProblem[]): void;
  onSave(): void;
}

/** CodeMirror 6 on a config file, with the validator's problems inline as you type. */
export function YamlEditor({ path, initial, onChange, onProblems, onSave }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const callbacks = useRef({ onChange, onProblems, onSave });
  callbacks.current = { onChange, onProblems, onSave };

  useEffect(() => {
    if (!host.current) return;
    const validate = linter(
      async (view) => {
        const { problems } = await window.architect.config.validate({ path, text: view.state.doc.toString() });
        const mine = problems.filter((p) => isProblemOf(path, p));
        callbacks.current.onProblems(problems);
        return problemsToDiagnostics(view.state.doc, mine);
      },
      { delay: LINT_DELAY_MS },
    );
    const complete = schemaCompletionSource(path);
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (callbacks.current.onSave(), true) }]),
          basicSetup,
          // The last lines can sit mid-screen, with room for completion below them.
          scrollPastEnd(),
          yaml(),
          EditorState.languageData.of(() => [{ autocomplete: complete }]),
          syntaxHighlighting(highlight),
          validate,
          lintGutter(),
          theme,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.destroy();
  }, [path, initial]);

  return <div className="yaml-editor" ref={host} data-testid="yaml-editor" />;
}
