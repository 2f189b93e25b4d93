/**
 * The XML of a repo manifest as elements with their attributes and line numbers, through
 * fast-xml-parser. Pure. Comments and the XML declaration are dropped; text is an error (repo's
 * manifests have none, so it is handed on as a '#text' element for the reader to refuse); anything
 * that is not well-formed XML is an error.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { inputError } from '../errors';

export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  line: number;
  children: XmlElement[];
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

const lineAt = (text: string, index: number | undefined): number =>
  index === undefined ? 0 : text.slice(0, index).split('\n').length;

/** `where` names the file for messages, e.g. `manifest default.xml (of https://host/vnc at R4.0)`. */
export function parseXml(text: string, where: string): XmlElement {
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    // entity definitions could expand without bound; repo's manifests never have one
    throw inputError(`${where} line ${lineAt(text, doctype.index)}: <!DOCTYPE> is not supported`, 'remove the DOCTYPE declaration');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw inputError(`${where} line ${valid.err.line}: not well-formed XML: ${valid.err.msg}`, 'fix the manifest file');
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    allowBooleanAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    captureMetaData: true,
  });
  const convert = (node: Record<string | symbol, any>): XmlElement | null => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined) return null;
    const line = lineAt(text, node[META]?.startIndex);
    if (tag === '#text') {
      // kept as an element: the manifest reader says where it is unexpected
      const value = String(node[tag]).trim();
      return value === '' ? null : { tag, attrs: { value }, line, children: [] };
    }
    const children = node[tag] as Record<string, any>[];
    return {
      tag,
      attrs: { ...(node[':@'] ?? {}) },
      line,
      children: children.map(convert).filter((e): e is XmlElement => e !== null),
    };
  };
  const top = (parser.parse(text) as Record<string, any>[]).map(convert).filter((e): e is XmlElement => e !== null);
  if (top.length !== 1) throw inputError(`${where}: expected one <manifest> element, found ${top.length} top-level elements`, 'a repo manifest is one <manifest> element');
  return top[0];
}

/** Attribute values for the XML we write. */
export const escapeAttr = (v: string): string =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
