// Package ask answers a server's elicitation requests for the client verbs: a form built from the
// requested schema and typed in the terminal (defaults, enums as numbered choices, validation with
// re-asking, then accept, decline or cancel), URL mode (the URL printed and opened in a browser), a
// prepared answer validated against the schema (--elicit-answer), or a decline when nobody can be asked
// (--no-interactive, or stdin not a terminal).
package ask
