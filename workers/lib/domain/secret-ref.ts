/**
 * How a host-bound secret travels in a request header from a function's isolate to Kiln's egress,
 * which replaces the placeholder with the value for the secret's hosts only. Shared by the `kiln`
 * SDK (which writes placeholders) and the run channel (which reads them). Pure.
 */

export const secretPlaceholder = (name: string): string => `{{kiln-secret:${name}}}`;

/** Every placeholder in a text; group 1 is the secret's name. */
export const SECRET_PLACEHOLDER = /\{\{kiln-secret:([A-Z][A-Z0-9_]{0,63})\}\}/g;
