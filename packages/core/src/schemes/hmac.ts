import { configError, rejection } from '../errors.js';
import type { Scheme, SchemeRequest } from '../types.js';
import { collectSecrets, hmacKeyring, hmacMatcher, type SecretOptions, verifiedBy } from './secrets.js';
import {
  type HmacAlgorithm,
  headerNamed,
  parseTimestampHeader,
  requireHeader,
  type SignatureEncoding,
  stringField,
  throwingUnmatched,
} from './shared.js';

export interface HmacOptions extends SecretOptions<string | Uint8Array> {
  /** Names the scheme in dedupe keys and records. Default `hmac`. */
  name?: string;
  /** The header holding the signature, e.g. `x-signature`. */
  header: string;
  algorithm?: HmacAlgorithm;
  encoding?: SignatureEncoding;
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string;
  /**
   * What is signed, as a template over `{id}`, `{timestamp}` and `{body}`.
   * Default `{body}`; e.g. `{timestamp}.{body}`.
   */
  signedContent?: string;
  /** Header with the signed send time; enables the timestamp window. */
  timestampHeader?: string;
  /** Unit of the timestamp header. Default seconds. */
  timestampUnit?: 's' | 'ms';
  /**
   * Header with the delivery id (the dedupe key). Signed when `signedContent` has
   * `{id}`; an unsigned one is only used when `idField` gives no id.
   */
  idHeader?: string;
  /** Body field with the delivery id: signed with the body, so it wins over an unsigned `idHeader`. */
  idField?: string;
  /** Header with the event type. */
  typeHeader?: string;
  /** Body field with the event type. Default `type`. */
  typeField?: string;
}

type Part = { literal: string } | { field: 'id' | 'timestamp' | 'body' };

function compileTemplate(template: string): Part[] {
  const parts: Part[] = [];
  const pattern = /\{(id|timestamp|body)\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match !== null; match = pattern.exec(template)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    parts.push({ field: match[1] as 'id' | 'timestamp' | 'body' });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  if (!parts.some((part) => 'field' in part && part.field === 'body')) {
    throw configError('hmac: signedContent must include {body}');
  }
  return parts;
}

/** A generic HMAC sender: any header, algorithm, encoding, prefix and signed content. */
export function hmac(options: HmacOptions): Scheme {
  const name = options.name ?? 'hmac';
  const keys = hmacKeyring(collectSecrets(options, name), options.now);
  if (!options.header) throw configError(`${name}: header is required`);
  const header = options.header.toLowerCase();
  const algorithm = options.algorithm ?? 'sha256';
  const encoding = options.encoding ?? 'hex';
  const matcher = hmacMatcher(algorithm, encoding);
  const prefix = options.prefix ?? '';
  const template = compileTemplate(options.signedContent ?? '{body}');
  const timestampHeader = options.timestampHeader?.toLowerCase();
  const idHeader = options.idHeader?.toLowerCase();
  const typeHeader = options.typeHeader?.toLowerCase();
  const typeField = options.typeField ?? 'type';
  const needsId = template.some((part) => 'field' in part && part.field === 'id');
  const needsTimestamp = template.some((part) => 'field' in part && part.field === 'timestamp');
  if (needsId && !idHeader) throw configError(`${name}: signedContent uses {id} but no idHeader is set`);
  if (needsTimestamp && !timestampHeader) {
    throw configError(`${name}: signedContent uses {timestamp} but no timestampHeader is set`);
  }
  if (timestampHeader && !needsTimestamp) {
    // An unsigned timestamp can be rewritten by anyone replaying a delivery: it must not open the window.
    throw configError(`${name}: timestampHeader is set but signedContent does not sign {timestamp}`);
  }

  return throwingUnmatched({
    name,
    signatureHeaders: [header],
    check(request: SchemeRequest) {
      const value = requireHeader(request, header);
      if (!value.startsWith(prefix)) throw rejection('malformed_header', `Header ${header} must start with ${prefix}`);
      // A signed id is required; an unsigned one is read in describe, after the signed body's.
      const id = idHeader !== undefined && needsId ? requireHeader(request, idHeader) : undefined;
      const timestampText = timestampHeader === undefined ? undefined : requireHeader(request, timestampHeader);
      const timestamp =
        timestampText === undefined || timestampHeader === undefined
          ? undefined
          : parseTimestampHeader(timestampText, timestampHeader, options.timestampUnit ?? 's');
      const parts = template.map((part) =>
        'literal' in part
          ? part.literal
          : part.field === 'body'
            ? request.body
            : part.field === 'id'
              ? (id ?? '')
              : (timestampText ?? ''),
      );
      const candidates = [value.slice(prefix.length).trim()];
      return verifiedBy(keys.match(matcher, parts, candidates), id, timestamp);
    },
    describe(payload, request, verified) {
      const typeFromHeader = headerNamed(request, typeHeader);
      // Signed id first, then the signed body's, and only then an unsigned header.
      const id =
        verified.id ??
        (options.idField === undefined ? undefined : stringField(payload, options.idField)) ??
        headerNamed(request, idHeader);
      return { id, type: typeFromHeader ?? stringField(payload, typeField) };
    },
  });
}
