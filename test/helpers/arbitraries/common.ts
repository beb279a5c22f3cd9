/**
 * What the route arbitraries share: JSON types, Kubernetes names, and labels and annotations, the one place a
 * VirtualService or an HTTPRoute carries keys the schema does not list and the API server keeps as they are.
 */
import fc from 'fast-check';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | {[key: string]: Json};

/** A generated route object, named and placed by the round trip. */
export interface FuzzObject {
	apiVersion: string;
	kind: 'VirtualService' | 'HTTPRoute';
	metadata: {labels: Record<string, string>; annotations: Record<string, string>};
	spec: Record<string, Json>;
}

/** An RFC 1123 label (names, namespaces, label values). */
export const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);

/** Label keys with and without a prefix, values within the 63-character rule. */
export const labelsArbitrary = fc.dictionary(
	fc.oneof(dnsLabel, fc.tuple(dnsLabel, dnsLabel).map(([prefix, name]) => `${prefix}.example.com/${name}`)),
	fc.oneof(fc.constant(''), dnsLabel),
	{maxKeys: 3},
);

/** Annotations: any printable Unicode value, including JSON and newlines (the shape tools like Argo CD store there). */
export const annotationsArbitrary = fc.dictionary(
	fc.tuple(dnsLabel, dnsLabel).map(([prefix, name]) => `${prefix}.example.com/${name}`),
	fc.oneof(fc.string({unit: 'grapheme', maxLength: 20}), fc.json({maxDepth: 2}), fc.constant('line one\nline two')),
	{maxKeys: 3},
);
