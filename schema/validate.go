package schema

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/jsonx"
)

// Validate checks data against the schema and returns the first violation as a *ValidationError (or a
// syntax error for data that is not JSON). It walks the JSON tokens directly: nothing is decoded into
// maps or interfaces.
func (s *Schema) Validate(data jsontext.Value) error {
	p := jsonx.GetDecoder(data)
	defer p.Put()
	dec := p.Dec
	if verr := s.validate(dec); verr != nil {
		return verr
	}
	switch _, err := dec.ReadToken(); {
	case err == nil:
		return fail("syntax", "more than one JSON value")
	case err != io.EOF:
		return fail("syntax", "invalid JSON after the value: "+errString(err))
	}
	return nil
}

func (s *Schema) validate(dec *jsontext.Decoder) *ValidationError {
	s.prepare()
	if s.falseSchema {
		_ = dec.SkipValue()
		return fail("false", "no value is allowed here")
	}
	kind := dec.PeekKind()
	if kind == 0 {
		_, err := dec.ReadToken()
		return fail("syntax", "invalid JSON: "+errString(err))
	}
	if !s.allowsKind(kind, dec) {
		got := kindName(kind)
		_ = dec.SkipValue()
		return fail("type", fmt.Sprintf("got %s, want %s", got, s.typeWanted()))
	}
	if kind == '{' || kind == '[' {
		if len(s.enumCanon) > 0 || s.constCanon != "" {
			// Compare the whole value first, then walk it again from its own bytes.
			raw, err := dec.ReadValue()
			if err != nil {
				return fail("syntax", "invalid JSON: "+errString(err))
			}
			if verr := s.checkEnumConst(raw); verr != nil {
				return verr
			}
			sub := jsonx.GetDecoder(raw)
			defer sub.Put()
			dec = sub.Dec
		}
		if kind == '{' {
			return s.validateObject(dec)
		}
		return s.validateArray(dec)
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return fail("syntax", "invalid JSON: "+errString(err))
	}
	if verr := s.checkEnumConst(raw); verr != nil {
		return verr
	}
	switch kind {
	case '"':
		return s.validateString(raw)
	case '0':
		return s.validateNumber(raw)
	}
	return nil
}

// allowsKind checks the type keyword. Integers are numbers without a fractional part.
func (s *Schema) allowsKind(kind jsontext.Kind, dec *jsontext.Decoder) bool {
	if s.Type == "" && len(s.Types) == 0 {
		return true
	}
	if len(s.Types) == 0 {
		return typeMatches(s.Type, kind, dec)
	}
	for _, t := range s.Types {
		if typeMatches(t, kind, dec) {
			return true
		}
	}
	return false
}

func typeMatches(t string, kind jsontext.Kind, dec *jsontext.Decoder) bool {
	switch t {
	case "object":
		return kind == '{'
	case "array":
		return kind == '['
	case "string":
		return kind == '"'
	case "number":
		return kind == '0'
	case "integer":
		return kind == '0' // checked precisely in validateNumber
	case "boolean":
		return kind == 't' || kind == 'f'
	case "null":
		return kind == 'n'
	}
	return false
}

func (s *Schema) typeWanted() string {
	if len(s.Types) > 0 {
		return fmt.Sprint(s.Types)
	}
	return s.Type
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "invalid JSON"
}

func (s *Schema) validateObject(dec *jsontext.Decoder) *ValidationError {
	if _, err := dec.ReadToken(); err != nil { // '{'
		return fail("syntax", errString(err))
	}
	var seen uint64 // bit i: Required[i] present (first 64 required names)
	var seenMore map[string]bool
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return fail("syntax", "invalid JSON: "+errString(err))
		}
		nameStr := unquoteName(name)
		if i, ok := s.required[string(nameStr)]; ok {
			if i < 64 {
				seen |= 1 << i
			} else {
				if seenMore == nil {
					seenMore = map[string]bool{}
				}
				seenMore[string(nameStr)] = true
			}
		}
		ps := s.prop(nameStr)
		if ps == nil {
			ps = s.AdditionalProperties
		}
		if ps == nil {
			if err := dec.SkipValue(); err != nil {
				return fail("syntax", "invalid JSON: "+errString(err))
			}
			continue
		}
		if ps.falseSchema {
			_ = dec.SkipValue()
			return fail("additionalProperties", fmt.Sprintf("unexpected property %q", short(nameStr)))
		}
		if verr := ps.validate(dec); verr != nil {
			return verr.under(short(nameStr))
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return fail("syntax", errString(err))
	}
	for i, r := range s.Required {
		if (i < 64 && seen&(1<<i) == 0) || (i >= 64 && !seenMore[r]) {
			return fail("required", fmt.Sprintf("missing required property %q", r))
		}
	}
	return nil
}

// unquoteName returns an object member name without quotes, decoding escapes only when there are any.
func unquoteName(raw jsontext.Value) []byte {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return inner
	}
	return b
}

func (s *Schema) validateArray(dec *jsontext.Decoder) *ValidationError {
	if s.Items == nil && s.MinItems == nil && s.MaxItems == nil {
		if err := dec.SkipValue(); err != nil {
			return fail("syntax", "invalid JSON: "+errString(err))
		}
		return nil
	}
	if _, err := dec.ReadToken(); err != nil { // '['
		return fail("syntax", errString(err))
	}
	n := 0
	for dec.PeekKind() != ']' {
		if s.Items != nil {
			if verr := s.Items.validate(dec); verr != nil {
				return verr.under("[" + strconv.Itoa(n) + "]")
			}
		} else if err := dec.SkipValue(); err != nil {
			return fail("syntax", errString(err))
		}
		n++
	}
	if _, err := dec.ReadToken(); err != nil { // ']'
		return fail("syntax", errString(err))
	}
	if s.MinItems != nil && n < *s.MinItems {
		return fail("minItems", fmt.Sprintf("has %d items, fewer than the minimum %d", n, *s.MinItems))
	}
	if s.MaxItems != nil && n > *s.MaxItems {
		return fail("maxItems", fmt.Sprintf("has %d items, more than the maximum %d", n, *s.MaxItems))
	}
	return nil
}

func (s *Schema) checkEnumConst(raw jsontext.Value) *ValidationError {
	if len(s.enumCanon) == 0 && s.constCanon == "" {
		return nil
	}
	c := canonical(raw)
	if s.constCanon != "" && c != s.constCanon {
		return fail("const", fmt.Sprintf("%s is not the constant %s", short(raw), s.Const))
	}
	if len(s.enumCanon) > 0 {
		for _, e := range s.enumCanon {
			if e == c {
				return nil
			}
		}
		return fail("enum", fmt.Sprintf("%s is not one of %s", short(raw), enumList(s.Enum)))
	}
	return nil
}

func enumList(vals []jsontext.Value) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(v)
	}
	b.WriteByte(']')
	return b.String()
}

func (s *Schema) validateString(raw jsontext.Value) *ValidationError {
	if s.MinLength == nil && s.MaxLength == nil && s.Pattern == "" && s.Format == "" {
		return nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return fail("syntax", errString(err))
	}
	n := utf8.RuneCount(b)
	if s.MinLength != nil && n < *s.MinLength {
		return fail("minLength", fmt.Sprintf("is %d characters long, shorter than the minimum %d", n, *s.MinLength))
	}
	if s.MaxLength != nil && n > *s.MaxLength {
		return fail("maxLength", fmt.Sprintf("is %d characters long, longer than the maximum %d", n, *s.MaxLength))
	}
	if s.re != nil && !s.re.Match(b) {
		return fail("pattern", fmt.Sprintf("%s does not match the pattern %q", short(raw), s.Pattern))
	}
	if msg := checkFormat(s.Format, string(b)); msg != "" {
		return fail("format", fmt.Sprintf("%s is not a valid %s: %s", short(raw), s.Format, msg))
	}
	return nil
}

// checkFormat applies light checks to the formats MCP schemas commonly use; unknown formats pass (they
// are annotations in 2020-12).
func checkFormat(format, v string) string {
	switch format {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			return "want RFC 3339, e.g. 2024-12-25T10:00:00Z"
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "want YYYY-MM-DD"
		}
	case "email":
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			return "want an address like name@example.com"
		}
	case "uri":
		if u, err := url.Parse(v); err != nil || u.Scheme == "" {
			return "want an absolute URI"
		}
	}
	return ""
}

func (s *Schema) validateNumber(raw jsontext.Value) *ValidationError {
	integral := !bytes.ContainsAny(raw, ".eE")
	needValue := s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil
	wantInt := s.Type == "integer" && len(s.Types) == 0
	if !wantInt && len(s.Types) > 0 {
		wantInt = true
		for _, t := range s.Types {
			if t == "number" {
				wantInt = false
			}
		}
	}
	if !needValue && (!wantInt || integral) {
		return nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return fail("syntax", "bad number "+short(raw))
	}
	if wantInt && f != math.Trunc(f) {
		return fail("type", fmt.Sprintf("got %s, want integer", short(raw)))
	}
	switch {
	case s.Minimum != nil && f < *s.Minimum:
		return fail("minimum", fmt.Sprintf("%s is less than the minimum %s", short(raw), formatFloat(*s.Minimum)))
	case s.Maximum != nil && f > *s.Maximum:
		return fail("maximum", fmt.Sprintf("%s is greater than the maximum %s", short(raw), formatFloat(*s.Maximum)))
	case s.ExclusiveMinimum != nil && f <= *s.ExclusiveMinimum:
		return fail("exclusiveMinimum", fmt.Sprintf("%s must be greater than %s", short(raw), formatFloat(*s.ExclusiveMinimum)))
	case s.ExclusiveMaximum != nil && f >= *s.ExclusiveMaximum:
		return fail("exclusiveMaximum", fmt.Sprintf("%s must be less than %s", short(raw), formatFloat(*s.ExclusiveMaximum)))
	case s.MultipleOf != nil && *s.MultipleOf > 0 && math.Abs(math.Remainder(f, *s.MultipleOf)) > 1e-9*math.Max(1, math.Abs(f)):
		return fail("multipleOf", fmt.Sprintf("%s is not a multiple of %s", short(raw), formatFloat(*s.MultipleOf)))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "unexpected end"
	}
	return err.Error()
}
