// Markdown as a page shows it (the postmortem). Raw HTML in the text stays text (`html: false`)
// and markdown-it refuses `javascript:` and similar links, so an edited postmortem can never put
// live markup or script into the dashboard. markdown-it is loaded with the first page that shows
// Markdown, so the other pages do not carry it.
import type { MarkdownIt } from "markdown-it";
import { useEffect, useMemo, useState } from "preact/hooks";
import "./markdown.css";

/** The text's headings sit below the section that shows it: `# Title` under an h2 becomes an h3. */
const HEADING_OFFSET = 2;

let loading: Promise<MarkdownIt> | undefined;

function loadRenderer(): Promise<MarkdownIt> {
  loading ??= import("markdown-it").then(({ default: MarkdownItClass }) => {
    const renderer = new MarkdownItClass({ html: false, linkify: false, typographer: false });
    for (const rule of ["heading_open", "heading_close"] as const) {
      renderer.renderer.rules[rule] = (tokens, index, options, _env, self) => {
        const token = tokens[index];
        if (token) token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + HEADING_OFFSET)}`;
        return self.renderToken(tokens, index, options);
      };
    }
    return renderer;
  });
  return loading;
}

export function Markdown(props: { text: string; label: string; testId?: string }) {
  const [renderer, setRenderer] = useState<MarkdownIt | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    void loadRenderer().then((loaded) => {
      if (!stopped) setRenderer(loaded);
    });
    return () => {
      stopped = true;
    };
  }, []);
  const html = useMemo(() => renderer?.render(props.text), [renderer, props.text]);
  if (html === undefined) {
    // The plain text meanwhile: Markdown reads well as it is.
    return (
      <pre class="markdown-source" aria-label={props.label} data-testid={props.testId}>
        {props.text}
      </pre>
    );
  }
  return (
    <article
      class="markdown"
      aria-label={props.label}
      data-testid={props.testId}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
