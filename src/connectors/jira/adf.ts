/**
 * Atlassian Document Format for the plain text we send (comments, descriptions, acceptance
 * criteria): one paragraph per line, since REST v3 refuses a bare string where it expects a document.
 */
export interface AdfText {
  type: 'text';
  text: string;
  marks?: Array<{ type: 'textColor'; attrs: { color: string } }>;
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: Array<{ type: 'listItem'; content: AdfParagraph[] }>;
}
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: Array<AdfParagraph | AdfBulletList>;
}

function paragraph(line: string): AdfParagraph {
  // ADF text nodes must not be empty: an empty line is an empty paragraph.
  return { type: 'paragraph', content: line === '' ? [] : [{ type: 'text', text: line }] };
}

export function adfDocument(text: string): AdfDocument {
  return { type: 'doc', version: 1, content: text.split(/\r?\n/).map(paragraph) };
}

export function adfBulletList(items: readonly string[]): AdfDocument {
  return {
    type: 'doc',
    version: 1,
    content: [
      {
        type: 'bulletList',
        content: items.map((item) => ({ type: 'listItem', content: [paragraph(item)] })),
      },
    ],
  };
}

/** A comment's delivery marker: light grey text in a last paragraph of its own. */
export function adfMarker(marker: string): AdfParagraph {
  return {
    type: 'paragraph',
    content: [{ type: 'text', text: marker, marks: [{ type: 'textColor', attrs: { color: '#97a0af' } }] }],
  };
}
